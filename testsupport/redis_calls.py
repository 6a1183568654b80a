"""What a block of code asks Redis: its round trips and the commands in them."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from redis.connection import AbstractConnection


@dataclass
class RedisCalls:
    round_trips: int = 0
    commands: list[str] = field(default_factory=list)


@contextmanager
def redis_calls() -> Iterator[RedisCalls]:
    """Counts every request sent to Redis (a pipeline is one), and names its commands."""
    calls = RedisCalls()
    send_packed, send, pack_many = (
        AbstractConnection.send_packed_command,
        AbstractConnection.send_command,
        AbstractConnection.pack_commands,
    )

    def counted_send_packed(connection, command, check_health=True):
        calls.round_trips += 1
        return send_packed(connection, command, check_health)

    def named_send(connection, *args, **kwargs):
        calls.commands.append(str(args[0]).upper())
        return send(connection, *args, **kwargs)

    def named_pack_many(connection, commands):
        calls.commands.extend(str(command[0]).upper() for command in commands)
        return pack_many(connection, commands)

    with (
        mock.patch.object(AbstractConnection, "send_packed_command", counted_send_packed),
        mock.patch.object(AbstractConnection, "send_command", named_send),
        mock.patch.object(AbstractConnection, "pack_commands", named_pack_many),
    ):
        yield calls
