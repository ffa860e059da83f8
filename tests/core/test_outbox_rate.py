"""A channel's rate limit holds across senders: they count in the shared cache."""

from django.core.cache import cache

from core.outbox.rate import ChannelRate


class FakeClock:
    def __init__(self, start: float = 1_000_000.0):
        self.now = start
        self.slept = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_two_senders_share_one_channels_messages_per_second():
    clock = FakeClock()
    first, second = (ChannelRate("sms", 10, cache=cache, clock=clock, sleep=clock.sleep) for _ in range(2))

    assert first.take(6) == 6
    assert second.take(6) == 4  # this second's 10 are gone after these
    assert not clock.slept
    assert first.take(3) == 3  # waited for the next second
    assert clock.slept == [1.0] and int(clock.now) == 1_000_001


def test_each_channel_has_its_own_count():
    clock = FakeClock()
    assert ChannelRate("sms", 5, clock=clock, sleep=clock.sleep).take(5) == 5
    assert ChannelRate("email", 5, clock=clock, sleep=clock.sleep).take(5) == 5
    assert not clock.slept


def test_no_limit_takes_everything_without_counting():
    clock = FakeClock()
    assert ChannelRate("sms", 0, clock=clock, sleep=clock.sleep).take(1000) == 1000
    assert cache.get(f"outbox-rate:sms:{int(clock.now)}") is None


def test_the_drain_keeps_to_the_rate(settings, monkeypatch, db):
    """200 messages at 100/s take two seconds of the clock (slept, not spent: the clock is fake)."""
    import functools

    from core import outbox
    from core.outbox import drain

    clock = FakeClock()
    monkeypatch.setattr(drain, "ChannelRate", functools.partial(ChannelRate, clock=clock, sleep=clock.sleep))
    settings.OUTBOX_PER_SECOND = {"sms": 100}
    outbox.messages_enqueue(
        [
            outbox.OutgoingMessage(
                channel="sms", recipient="13812345678", kind="k", idempotency_key=f"r{n}", body="x"
            )
            for n in range(200)
        ]
    )
    assert outbox.outbox_drain(channel="sms").sent == 200
    assert sum(clock.slept) == 1.0  # the first 100 in the first second, the next 100 in the next
