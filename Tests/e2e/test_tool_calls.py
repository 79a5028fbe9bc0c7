"""Tool calls with the official openai SDK: Qwen2.5's template teaches the Hermes <tool_call> format, which the
server parses into message.tool_calls (streamed and not); SmolLM2's template has no tool format, so its calls
are made only when forced (required or a named function), through the grammar engine."""
import json
import os

import openai
import pytest

from conftest import API_KEY, ROOT, Server

QWEN = os.path.join(ROOT, "models", "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf")
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "The city name"}},
                   "required": ["city"]}}}
ASK = [{"role": "user", "content": "What is the weather like in Paris right now?"}]


@pytest.fixture(scope="module")
def qwen():
    s = Server(extra_args=["--api-key", API_KEY, "--model-id", "m", "--model", QWEN], kv_cache_memory="256MiB")
    yield openai.OpenAI(base_url=s.base + "/v1", api_key=API_KEY, max_retries=0, timeout=300)
    s.stop()


def test_call_is_parsed(qwen):
    r = qwen.chat.completions.create(model="m", messages=ASK, tools=[WEATHER], temperature=0, max_tokens=100)
    choice = r.choices[0]
    assert choice.finish_reason == "tool_calls", choice.message
    call = choice.message.tool_calls[0]
    assert call.id.startswith("call")
    assert call.type == "function"
    assert call.function.name == "get_weather"
    assert "paris" in json.loads(call.function.arguments)["city"].lower()
    assert "<tool_call>" not in (choice.message.content or "")


def test_streamed_call_matches(qwen):
    r = qwen.chat.completions.create(model="m", messages=ASK, tools=[WEATHER], temperature=0, max_tokens=100)
    want = r.choices[0].message.tool_calls[0]
    names, arguments, finish = [], "", None
    for chunk in qwen.chat.completions.create(model="m", messages=ASK, tools=[WEATHER], temperature=0, max_tokens=100,
                                              stream=True):
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        for c in delta.tool_calls or []:
            assert c.index == 0
            if c.function.name:
                names.append(c.function.name)
            arguments += c.function.arguments or ""
        finish = chunk.choices[0].finish_reason or finish
    assert names == [want.function.name]
    assert json.loads(arguments) == json.loads(want.function.arguments)
    assert finish == "tool_calls"


def test_result_turn_is_answered(qwen):
    r = qwen.chat.completions.create(model="m", messages=ASK, tools=[WEATHER], temperature=0, max_tokens=100)
    call = r.choices[0].message.tool_calls[0]
    follow = ASK + [
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"city": "Paris", "sky": "sunny", "celsius": 21})},
    ]
    r2 = qwen.chat.completions.create(model="m", messages=follow, tools=[WEATHER], temperature=0, max_tokens=60)
    assert r2.choices[0].message.content


def test_named_function_is_forced(qwen):
    r = qwen.chat.completions.create(model="m", messages=[{"role": "user", "content": "Hello!"}], tools=[WEATHER],
                                     tool_choice={"type": "function", "function": {"name": "get_weather"}},
                                     temperature=0, max_tokens=100)
    call = r.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert isinstance(json.loads(call.function.arguments)["city"], str)


def test_without_a_tool_format_calls_can_still_be_forced(server):
    """SmolLM2's template has no tool format: the tools are described in the system message, auto answers with a
    call or content, and none and forced calls are served."""
    client = openai.OpenAI(base_url=server.base + "/v1", api_key=API_KEY, max_retries=0, timeout=120)
    r = client.chat.completions.create(model="smollm2", messages=ASK, tools=[WEATHER], temperature=0, max_tokens=60)
    choice = r.choices[0]
    if choice.finish_reason == "tool_calls":
        assert choice.message.tool_calls[0].function.name == "get_weather"
    else:
        assert choice.finish_reason in ("stop", "length") and choice.message.content and not choice.message.tool_calls
    r = client.chat.completions.create(model="smollm2", messages=ASK, tools=[WEATHER], tool_choice="none", max_tokens=5)
    assert r.choices[0].finish_reason in ("stop", "length")
    r = client.chat.completions.create(model="smollm2", messages=ASK, tools=[WEATHER], tool_choice="required",
                                       temperature=0, max_tokens=100)
    assert r.choices[0].finish_reason == "tool_calls", r.choices[0].message
    call = r.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert isinstance(json.loads(call.function.arguments)["city"], str)
