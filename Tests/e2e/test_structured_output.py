"""Structured output with the official openai SDK on both real models: `chat.completions.parse` with Pydantic
models, json_object, streaming, seeded sampling validated by python-jsonschema, and an unsupported keyword."""
import concurrent.futures
import enum
import json
import os
from typing import List, Literal, Optional

import jsonschema
import openai
import openai.lib._pydantic
import pydantic
import pytest

from conftest import API_KEY, ROOT, Server

QWEN = os.path.join(ROOT, "models", "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf")


class Color(str, enum.Enum):
    red = "red"
    green = "green"
    blue = "blue"


class Person(pydantic.BaseModel):
    name: str
    age: int


class Address(pydantic.BaseModel):
    street: str
    city: str


class Customer(pydantic.BaseModel):
    name: str
    address: Address


class Item(pydantic.BaseModel):
    name: str
    quantity: int


class Order(pydantic.BaseModel):
    items: List[Item]


class Paint(pydantic.BaseModel):
    color: Color
    glossy: bool


class Contact(pydantic.BaseModel):
    name: str
    email: Optional[str]
    phone: Optional[str]


class Tree(pydantic.BaseModel):
    label: str
    children: List["Tree"]


class Verdict(pydantic.BaseModel):
    sentiment: Literal["positive", "negative", "neutral"]
    confidence: float


class Tags(pydantic.BaseModel):
    tags: List[str]


class BoundedItem(pydantic.BaseModel):
    name: str = pydantic.Field(max_length=24)
    quantity: int = pydantic.Field(ge=0, le=100)


class BoundedOrder(pydantic.BaseModel):
    """Sampled at temperature 0.8, a 135M model can write one name forever; bounded strings and lists make every
    sample end within max_tokens, so what is checked is that what the grammar lets through conforms."""
    items: List[BoundedItem] = pydantic.Field(max_length=4)


class Point(pydantic.BaseModel):
    x: int
    y: int
    label: Optional[Literal["origin", "other"]]


CASES = [
    (Person, "Alice is 30 years old. Extract the person."),
    (Customer, "Bob lives at 1 Main Street in Springfield. Extract the customer."),
    (Order, "The order has 2 apples and 3 pears. List the items."),
    (Paint, "A glossy red paint. Describe it."),
    (Contact, "Carol's email is carol@example.com; she has no phone. Extract the contact."),
    # A 135M model left to itself nests a recursive schema without end; shown the tree, it copies it.
    (Tree, 'Write this tree as JSON: {"label": "a", "children": [{"label": "b", "children": []}, '
           '{"label": "c", "children": []}]}'),
    (Verdict, "Review: 'I loved this film.' Classify the sentiment."),
    (Tags, 'Tags for a post about Swift, as JSON like {"tags": ["swift", "ios", "apple"]}.'),
    (Point, "The point (0, 0) is the origin."),
    (Address, "Where is the Eiffel Tower? Give street and city."),
]


@pytest.fixture(scope="module", params=["smollm2", "qwen"])
def client(request):
    args = ["--api-key", API_KEY, "--model-id", "m"]
    if request.param == "qwen":
        args += ["--model", QWEN]
    s = Server(extra_args=args, kv_cache_memory="256MiB")
    yield openai.OpenAI(base_url=s.base + "/v1", api_key=API_KEY, max_retries=0, timeout=300)
    s.stop()


@pytest.mark.parametrize("model_class,prompt", CASES, ids=[c[0].__name__ for c in CASES])
def test_parse_returns_an_instance(client, model_class, prompt):
    r = client.chat.completions.parse(model="m", messages=[{"role": "user", "content": prompt}],
                                      response_format=model_class, temperature=0, max_tokens=400)
    choice = r.choices[0]
    assert choice.finish_reason == "stop", choice.message.content
    assert isinstance(choice.message.parsed, model_class), choice.message.content


def test_json_object_and_streaming(client):
    messages = [{"role": "user", "content": "Describe a cat as a JSON object with a name and an age."}]
    r = client.chat.completions.create(model="m", messages=messages, response_format={"type": "json_object"},
                                       temperature=0, max_tokens=200)
    text = r.choices[0].message.content
    assert isinstance(json.loads(text), dict), text
    streamed = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
        model="m", messages=messages, response_format={"type": "json_object"}, temperature=0, max_tokens=200,
        stream=True) if c.choices)
    assert streamed == text


def test_seeded_samples_conform(client):
    schema = BoundedOrder.model_json_schema()
    strict = openai.lib._pydantic.to_strict_json_schema(BoundedOrder)
    fmt = {"type": "json_schema", "json_schema": {"name": "Order", "schema": strict, "strict": True}}

    def one(seed):
        r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "An order of fruit, as JSON."}],
                                           response_format=fmt, temperature=0.8, seed=seed, max_tokens=400)
        return r.choices[0]

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        choices = list(pool.map(one, range(50)))
    for c in choices:
        assert c.finish_reason == "stop", c.message.content
        jsonschema.validate(json.loads(c.message.content), schema)


def test_unsupported_keyword_is_named(client):
    fmt = {"type": "json_schema", "json_schema": {"name": "X", "schema": {
        "type": "object", "properties": {"a": {"type": "string"}}, "patternProperties": {"^b": {}}}}}
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], response_format=fmt)
    assert e.value.body["param"] == "response_format"
    assert "patternProperties" in e.value.body["message"]
