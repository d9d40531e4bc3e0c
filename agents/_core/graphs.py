"""Wiring only: the scan graph and the per-proposal graph (nodes live in nodes/)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph

from agents._core.nodes import proposal as p
from agents._core.nodes import scan as s
from agents._core.nodes.proposal_state import ProposalState
from agents._core.nodes.scan_state import ScanState
from agents._core.services import Services


def build_scan_graph(services: Services, start_thread: Callable[[str], None]):  # noqa: ANN201 - CompiledStateGraph
    graph = StateGraph(ScanState)
    graph.add_node("collect", partial(s.collect, services))
    graph.add_node("detect", partial(s.detect, services))
    graph.add_node("triage", partial(s.triage, services))
    graph.add_node("vet", partial(s.vet, services))
    graph.add_node("propose", partial(s.propose, services, start_thread=start_thread))
    graph.add_edge(START, "collect")
    graph.add_edge("collect", "detect")
    graph.add_edge("detect", "triage")
    graph.add_edge("triage", "vet")
    graph.add_edge("vet", "propose")
    graph.add_edge("propose", END)
    return graph.compile()  # no checkpointer: a failed scan is simply run again at the next tick


def build_proposal_graph(services: Services, checkpointer: BaseCheckpointSaver):  # noqa: ANN201
    graph = StateGraph(ProposalState)
    graph.add_node("draft", partial(p.draft, services))
    graph.add_node("notify", partial(p.notify, services))
    graph.add_node("await_decision", partial(p.await_decision, services))
    graph.add_node("verify", partial(p.verify, services))
    graph.add_node("act", partial(p.act, services))
    graph.add_node("report", partial(p.report, services))
    graph.add_edge(START, "draft")
    graph.add_edge("draft", "notify")
    graph.add_edge("notify", "await_decision")
    graph.add_conditional_edges("await_decision", p.after_decision)
    graph.add_conditional_edges("verify", p.after_verify)
    graph.add_conditional_edges("act", p.after_act)
    graph.add_edge("report", END)
    return graph.compile(checkpointer=checkpointer)
