"""A Python client generated from our schema by openapi-python-client: it generates, every module
imports, and it talks to the API.

Many consumers call the API through a generated client: a schema the generator refuses (enum
members that collide once made Python names), or a module that fails to import, breaks them all.
The client is generated once per run into a temporary directory (about a second).
"""

import importlib
import json
import pkgutil
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from accounts.tests.factories import UserFactory
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory

pytest.importorskip("openapi_python_client", reason="openapi-python-client is not installed")
httpx = pytest.importorskip("httpx", reason="httpx (for the generated client) is not installed")

pytestmark = pytest.mark.django_db

PACKAGE = "generated_scheduler_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generator's output, and the generated package (importable while the module runs)."""
    root = tmp_path_factory.mktemp("client")
    schema = SchemaGenerator().get_schema(request=None, public=True)
    (root / "schema.json").write_bytes(OpenApiJsonRenderer().render(schema, renderer_context={}))
    (root / "config.json").write_text(json.dumps({"post_hooks": []}))  # no formatter run
    run = subprocess.run(  # noqa: S603 - our own interpreter, our own arguments
        [
            *(sys.executable, "-m", "openapi_python_client", "generate", "--meta", "none"),
            *("--path", root / "schema.json", "--config", root / "config.json"),
            *("--output-path", root / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    sys.path.insert(0, str(root))
    yield schema, run
    sys.path.remove(str(root))
    for name in [name for name in sys.modules if name.partition(".")[0] == PACKAGE]:
        del sys.modules[name]


@pytest.fixture
def package(generated):
    _, run = generated
    assert run.returncode == 0, run.stdout + run.stderr
    return importlib.import_module(PACKAGE)


def test_the_generator_takes_the_schema_without_a_warning(generated):
    _, run = generated

    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr


def test_every_generated_module_imports(package):
    # when
    failures = {}
    for module in pkgutil.walk_packages(package.__path__, f"{PACKAGE}."):
        try:
            importlib.import_module(module.name)
        except Exception as exc:  # noqa: BLE001 - any failure to import is what we look for
            failures[module.name.removeprefix(f"{PACKAGE}.")] = type(exc).__name__

    # then
    # (the login module failed with a NameError while the login took form bodies too)
    assert failures == {}


def test_every_enum_keeps_all_its_members(generated, package):
    # given: the generator turns members into Python names, and two that become one name
    # are either refused or, silently, one of them is lost
    schema, _ = generated
    models = importlib.import_module(f"{PACKAGE}.models")
    enums = {
        name: component["enum"]
        for name, component in schema["components"]["schemas"].items()
        if "enum" in component
    }

    # then
    assert "TimezoneEnum" in enums
    for name, members in enums.items():
        assert sorted(member.value for member in getattr(models, name)) == sorted(members), name


def django_transport(api):
    """An httpx transport that hands each request to Django's test client `api`."""

    def handle(request):
        response = api.generic(
            request.method,
            request.url.raw_path.decode(),
            request.content,
            content_type=request.headers.get("Content-Type", ""),
        )
        return httpx.Response(
            response.status_code, headers=dict(response.items()), content=response.content
        )

    return httpx.MockTransport(handle)


def test_a_generated_client_reads_a_profile_without_an_email_in_an_alias_zone(api_as, package):
    # given: no e-mail address, and a zone stored under an alias the schema does not list
    from generated_scheduler_client.api.users import users_me_retrieve
    from generated_scheduler_client.models import TimezoneEnum

    user = UserFactory(email="", timezone="GMT0")
    client = package.Client(
        "http://testserver", httpx_args={"transport": django_transport(api_as(user))}
    )

    # when
    me = users_me_retrieve.sync(client=client)

    # then
    assert me.email is None
    assert me.timezone is TimezoneEnum("Etc/GMT")


def test_a_generated_client_asks_about_several_people_at_once(api_as, package):
    # given: three people, each busy at a different hour
    from generated_scheduler_client.api.availability import availability_free_busy

    people = UserFactory.create_batch(3)
    for hour, person in enumerate(people, start=8):
        start = datetime(2030, 3, 4, hour, tzinfo=UTC)
        MeetingFactory(created_by=person, start_time=start, end_time=start.replace(minute=30))
    client = package.Client(
        "http://testserver", httpx_args={"transport": django_transport(api_as(people[0]))}
    )

    # when
    answer = availability_free_busy.sync(
        client=client,
        users=[person.pk for person in people],
        from_=datetime(2030, 3, 4, tzinfo=UTC),
        to=datetime(2030, 3, 5, tzinfo=UTC),
    )

    # then: everyone, each with their meeting
    assert [person.id for person in answer.users] == [person.pk for person in people]
    assert [len(person.busy) for person in answer.users] == [1, 1, 1]


def test_a_generated_client_makes_a_series_and_edits_the_following(api_as, package):
    # given
    from generated_scheduler_client.api.meetings import meetings_create, meetings_partial_update
    from generated_scheduler_client.models import (
        MeetingCreateRequest,
        MeetingsPartialUpdateScope,
        PatchedMeetingUpdateRequest,
    )

    organizer, guest = UserFactory(), UserFactory()
    client = package.Client(
        "http://testserver", httpx_args={"transport": django_transport(api_as(organizer))}
    )
    start = datetime(2030, 3, 4, 9, tzinfo=UTC)

    # when: a weekly series of six, then a new title from the fourth on
    made = meetings_create.sync(
        client=client,
        body=MeetingCreateRequest(
            title="Stand-up",
            start_time=start,
            end_time=start.replace(minute=30),
            participant_ids=[guest.pk],
            recurrence=["RRULE:FREQ=WEEKLY;COUNT=6"],
            time_zone="Europe/Amsterdam",
        ),
    )
    fourth = Meeting.objects.filter(series_id=made.series_id).order_by("start_time")[3]
    changed = meetings_partial_update.sync(
        str(fourth.pk),
        client=client,
        body=PatchedMeetingUpdateRequest(title="Retro"),
        scope=MeetingsPartialUpdateScope.FOLLOWING,
    )

    # then: the client read both answers, and the series was split at the fourth
    assert made.series_id is not None
    assert made.original_start_time == start
    assert changed.title == "Retro"
    assert changed.scope.occurrences == 3
    assert changed.scope.series_id != made.series_id
