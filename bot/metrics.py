"""What /metrics counts (bot/web/metrics.py serves it in the Prometheus text format, with prometheus-client).

Two kinds of figures:
- what this process did — HTTP requests and their latency, inbound messages, match outcomes, flows, cases filed,
  outbox deliveries and failures, scheduler runs: counters and histograms in a registry of the app's own (one
  `Metrics` per app: tests make many apps in one process and each counts from zero);
- what the database holds — cases by state, overdue cases, outbox depth and the oldest waiting message's age — and
  the calendar's state: read when /metrics is asked, so whichever worker answers tells the whole truth.

Several workers (`serve --workers N`): set PROMETHEUS_MULTIPROC_DIR to an empty directory that every worker shares
(the supervisor empties it before starting them). prometheus-client then keeps each process's counters in files
there, and /metrics sums them over all workers (docs/operations.md)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from bot.core.button_ids import parse_button
from bot.core.messages import Inbound
from bot.core.port import CaseReceipt, Conversation, CreateCase, Effect, RecordGap, Turn

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_WECHAT_CODE = re.compile(r"^wechat (?:errcode )?(-?\d{1,6})\b")


class Metrics:
    """This process's counters for one app."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "anju_http_requests",
            "HTTP requests answered, by route and status",
            ["route", "method", "status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "anju_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.inbound = Counter(
            "anju_inbound_messages",
            "Residents' messages handled (first time, not replays)",
            ["channel", "kind"],
            registry=r,
        )
        self.matches = Counter(
            "anju_match_outcomes",
            "Knowledge questions: answered (by topic), not_sure (closest topics offered) or out_of_scope",
            ["outcome", "topic"],
            registry=r,
        )
        self.flows_started = Counter("anju_flows_started", "Conversation flows (forms) started", ["flow"], registry=r)
        self.flows_finished = Counter(
            "anju_flows_finished",
            "Conversation flows left: case_filed, or ended (done, cancelled, abandoned)",
            ["flow", "outcome"],
            registry=r,
        )
        self.cases_opened = Counter("anju_cases_opened", "Cases filed by residents", ["type"], registry=r)
        self.deliveries = Counter("anju_outbox_deliveries", "Outbox messages delivered", ["channel"], registry=r)
        self.delivery_failures = Counter(
            "anju_outbox_delivery_failures",
            "Outbox sends that failed: retry (will be tried again), failed (attempts "
            "used up) or undeliverable, by the channel's error code",
            ["channel", "outcome", "error"],
            registry=r,
        )
        self.scheduler_runs = Counter(
            "anju_scheduler_runs",
            "Deadline scheduler ticks: ran, skipped (another worker leads) or error",
            ["result"],
            registry=r,
        )

        self._http_children: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def _inc(self, metric: Counter, *labels: str) -> None:
        """metric.labels(*labels).inc(), with the labelled child kept (its look-up costs more than the increment)."""
        key = (id(metric), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        child.inc()

    # -- feeding ---------------------------------------------------------------------------------------------

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """One HTTP request (the labelled children kept: half the cost of looking them up on every request)."""
        key = (route, method, str(status))
        children = self._http_children.get(key)
        if children is None:
            children = self._http_children[key] = (self.http_requests.labels(*key), self.http_latency.labels(*key))
        children[0].inc()
        children[1].observe(seconds)

    def observe_turn(
        self, inbound: Inbound, before: Conversation, effects: Iterable[Effect], turn: Turn, outcomes: Mapping[str, Any]
    ) -> None:
        """One committed turn of the dialogue core (bot/core/dialogue.py)."""
        self._inc(self.inbound, inbound.channel, inbound.kind.value)
        effects = tuple(effects)
        if any(isinstance(e, RecordGap) and e.reason == "abstain" for e in effects):
            offered = any(parse_button(b.id)[0] == "topic" for r in turn.replies for b in r.buttons)
            self._inc(self.matches, "not_sure" if offered else "out_of_scope", "")
        else:
            answered = _answered_topic(turn)
            if answered is not None:
                self._inc(self.matches, "answered", answered)
        filed = [e for e in effects if isinstance(e, CreateCase)]
        for effect in filed:
            receipt = outcomes.get(effect.ref)
            if isinstance(receipt, CaseReceipt) and receipt.created:
                self._inc(self.cases_opened, effect.type)
        after = turn.state.flow
        if before.flow is not None and after != before.flow:
            self._inc(self.flows_finished, before.flow, "case_filed" if filed else "ended")
        if after is not None and after != before.flow:
            self._inc(self.flows_started, after)

    def observe_delivery(self, channel: str, outcome: str, error: BaseException | None) -> None:
        """One send of the outbox worker: outcome "delivered", "paced", "retry", "failed" or "undeliverable"."""
        if outcome == "delivered":
            self._inc(self.deliveries, channel)
        elif outcome != "paced":  # the channel's own pace is not a failure
            self._inc(self.delivery_failures, channel, outcome, error_code(error))

    def observe_scheduler(self, result: str) -> None:
        self._inc(self.scheduler_runs, result)

    # -- scraping --------------------------------------------------------------------------------------------

    def exposition_registry(self, state: Iterable[Metric]) -> CollectorRegistry:
        """This process's counters (all workers' under PROMETHEUS_MULTIPROC_DIR) plus the database's state."""
        directory = os.environ.get(MULTIPROC_ENV)
        if not directory:
            registry = CollectorRegistry(auto_describe=False)
            registry.register(_Fixed(list(self.registry.collect())))
        else:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=directory)
        registry.register(_Fixed(list(state)))
        return registry


class _Fixed:
    """A collector of figures read before the scrape (prometheus-client collects synchronously)."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


def error_code(error: BaseException | None) -> str:
    """A short, bounded label for a channel failure: WeChat's errcode, else the exception type behind it."""
    if error is None:
        return ""
    found = _WECHAT_CODE.match(str(error))
    if found:
        return f"wechat:{found.group(1)}"
    cause = error.__cause__
    return type(cause).__name__ if cause is not None else type(error).__name__


def _answered_topic(turn: Turn) -> str | None:
    """The topic a turn answered: every knowledge answer carries its 👍 有用 button, "fb:1:<topic id>"."""
    for reply in turn.replies:
        for button in reply.buttons:
            kind, helpful, topic = parse_button(button.id, 3)
            if (kind, helpful) == ("fb", "1"):
                return topic
    return None
