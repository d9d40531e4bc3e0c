"""Checkpointer: a graph waiting in interrupt() survives a restart (a new Database on the same URL) and resumes."""

from __future__ import annotations

from typing import TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, interrupt

from state import Database


class Approval(TypedDict):
    proposal_id: str
    decision: str


def ask(state: Approval) -> dict[str, str]:
    return {"decision": interrupt({"question": "approve?", "proposal_id": state["proposal_id"]})}


def compile_graph(db: Database) -> CompiledStateGraph:
    builder = StateGraph(Approval)
    builder.add_node("ask", ask)
    builder.add_edge(START, "ask")
    builder.add_edge("ask", END)
    return builder.compile(checkpointer=db.checkpointer())


def test_interrupt_survives_a_restart_and_resumes(db_url: str) -> None:
    config = {"configurable": {"thread_id": "P0000TEST"}}

    with Database(db_url) as first:
        first.migrate()
        paused = compile_graph(first).invoke({"proposal_id": "P0000TEST", "decision": ""}, config)
        assert paused["__interrupt__"][0].value == {"question": "approve?", "proposal_id": "P0000TEST"}

    with Database(db_url) as second:
        graph = compile_graph(second)
        waiting = graph.get_state(config)
        assert waiting.next == ("ask",)
        assert [i.value["proposal_id"] for i in waiting.interrupts] == ["P0000TEST"]
        done = graph.invoke(Command(resume="approved"), config)
        assert done == {"proposal_id": "P0000TEST", "decision": "approved"}
        assert graph.get_state(config).next == ()


def test_checkpointer_is_cached_per_database(db: Database) -> None:
    assert db.checkpointer() is db.checkpointer()
