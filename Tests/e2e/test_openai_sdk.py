"""The official openai Python SDK against a real hearth server."""
import openai
import pytest

from conftest import API_KEY


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server.base + "/v1", api_key=API_KEY, max_retries=0, timeout=120)


def test_models(client):
    ids = [m.id for m in client.models.list()]
    assert ids == ["smollm2"]
    assert client.models.retrieve("smollm2").id == "smollm2"


def test_chat(client):
    r = client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "What is the capital of France?"}],
                                       max_tokens=20, temperature=0)
    assert r.object == "chat.completion"
    assert r.id.startswith("chatcmpl-")
    assert r.choices[0].message.role == "assistant"
    assert "Paris" in r.choices[0].message.content
    assert r.choices[0].finish_reason in ("stop", "length")
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


def test_chat_streaming_matches(client):
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a fruit."}]
    full = client.chat.completions.create(model="smollm2", messages=messages, max_tokens=24, temperature=0)
    stream = client.chat.completions.create(model="smollm2", messages=messages, max_tokens=24, temperature=0, stream=True,
                                            stream_options={"include_usage": True})
    text, usage, finish = "", None, None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for c in chunk.choices:
            text += c.delta.content or ""
            finish = c.finish_reason or finish
    assert text == full.choices[0].message.content
    assert finish == full.choices[0].finish_reason
    assert usage.completion_tokens == full.usage.completion_tokens


def test_completions(client):
    r = client.completions.create(model="smollm2", prompt="The capital of France is", max_tokens=5, temperature=0)
    assert r.object == "text_completion"
    assert r.choices[0].text
    streamed = "".join(c.choices[0].text for c in client.completions.create(
        model="smollm2", prompt="The capital of France is", max_tokens=5, temperature=0, stream=True) if c.choices)
    assert streamed == r.choices[0].text


def test_n_and_seed(client):
    r = client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "Say something."}],
                                       max_tokens=8, temperature=1.0, seed=7, n=2)
    assert [c.index for c in r.choices] == [0, 1]
    again = client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "Say something."}],
                                           max_tokens=8, temperature=1.0, seed=7, n=2)
    assert [c.message.content for c in r.choices] == [c.message.content for c in again.choices]


def test_errors_raise_sdk_exceptions(server, client):
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "hi"}], top_p=2)
    assert e.value.body["param"] == "top_p"
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "hi"}], max_tokens=10**6)
    assert e.value.code == "context_length_exceeded"
    bad = openai.OpenAI(base_url=server.base + "/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
