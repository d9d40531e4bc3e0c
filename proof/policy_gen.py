"""Malformed policies for R7, made from the shipped ones: syntax, alias bombs, deep nesting, huge numbers, wrong types,
unknown keys, bad references, bad durations and cron, odd bytes. Each is (kind, agent, text) and is wrong for sure."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from proof.procs import ROOT

Made = tuple[str, str, str]  # kind, agent (the file's stem), text


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(width))}]")
    return "\n".join(lines) + f"\nagent: approval_watcher\nrules: *a{levels}\n"


def generate(rng: random.Random, count: int) -> list[Made]:
    shipped = {p.stem: p.read_text() for p in sorted((ROOT / "policies").glob("*.yaml"))}
    makers: list[tuple[str, Callable[[random.Random, str, str], str]]] = [
        ("syntax: truncated", lambda r, a, t: t[: r.randrange(len(t) // 4, len(t) - 40)] + "\n  - [unclosed, {"),
        ("syntax: tab indentation", lambda r, a, t: t.replace("\n  ", "\n\t", 3)),
        ("syntax: unterminated quote", lambda r, a, t: t.replace('"', "'\"", 1) + '\nx: "never closed\n'),
        ("syntax: duplicate key", lambda r, a, t: t + "\nmode: shadow\nmode: live\n"),
        ("alias bomb", lambda r, a, t: alias_bomb(r.randint(7, 10), r.randint(7, 10)).replace("approval_watcher", a)),
        ("alias bomb in a rule", lambda r, a, t: _replace_key(t, "limits", "limits: &l {per_run: 1}\n" + "\n".join(
            f"x{i}: &x{i} [{', '.join(['*l' if i == 0 else f'*x{i - 1}'] * 10)}]" for i in range(8)))),
        ("deep nesting: lists", lambda r, a, t: t + "\nextra: " + "[" * r.choice([500, 5000, 50000]) + "]" * 3),
        ("deep nesting: maps", lambda r, a, t: t + "\nextra: " + "{a: " * r.choice([500, 5000, 20000]) + "1" + "}" * 3),
        ("huge number: per_run", lambda r, a, t: _set_limit(t, "per_run", r.choice(["1e400", "9" * 400, "-1", ".inf"]))),
        ("huge number: duration", lambda r, a, t: _set_limit(t, "cooldown", r.choice(["99999999999d", "9" * 30 + "h",
                                                                                     "1e400d", "-5h"]))),
        ("huge number: ttl", lambda r, a, t: _set_limit(t, "proposal_ttl", r.choice(["99999999999w", "0m", "10000000000000000000m"]))),
        ("wrong type: schedule", lambda r, a, t: _replace_key(t, "schedule", f"schedule: {r.choice(['5', '[1, 2]', 'yes', '~'])}")),
        ("wrong type: rules", lambda r, a, t: _cut_from(t, "rules:") + f"rules: {r.choice(['7', 'hello', '{a: 1}', '~'])}\n"),
        ("wrong type: limits", lambda r, a, t: _replace_key(t, "limits", f"limits: {r.choice(['[]', '3', 'off'])}")),
        ("wrong type: privacy", lambda r, a, t: _replace_key(t, "privacy", f"privacy: {{share: {r.choice(['7', 'all', '{a: 1}'])}}}")),
        ("wrong type: agent", lambda r, a, t: t.replace(f"agent: {a}", f"agent: {r.choice(['[x]', '12', '~'])}", 1)),
        ("unknown key: top", lambda r, a, t: t + f"\n{r.choice(['modes', 'shedule', 'rule', 'x-extra'])}: 1\n"),
        ("unknown key: nested", lambda r, a, t: t.replace("limits:\n", "limits:\n  per_hour: 3\n", 1)),
        ("bad reference: connection", lambda r, a, t: _replace_key(t, "odoo", "odoo: nowhere")),
        ("bad reference: agent", lambda r, a, t: t.replace(f"agent: {a}", "agent: someone_else", 1)),
        ("bad duration", lambda r, a, t: _set_limit(t, "cooldown", r.choice(["'2 days'", "soon", "1x", "h", "'1h 30'"]))),
        ("bad cron", lambda r, a, t: _replace_key(t, "schedule", f"schedule: {{cron: \"{r.choice(['99 * * * *', '* *', 'x y z a b', ''])}\"}}")),
        ("odd bytes", lambda r, a, t: t[:200] + r.choice(["\x00", "\ufffe", "\x1b[2J", "\udcff"]) + t[200:]),
        ("empty or not a map", lambda r, a, t: r.choice(["", "# only a comment\n", "~\n", "- a\n- b\n", "42\n", "'x'\n"])),
        ("huge file", lambda r, a, t: t + "\n# " + "x" * r.choice([2_000_000, 8_000_000]) + "\nzzz: 1\n"),
        ("many keys", lambda r, a, t: t + "\n" + "\n".join(f"k{i}: {i}" for i in range(r.choice([1000, 50000])))),
        ("long string", lambda r, a, t: t.replace(f"agent: {a}", f"agent: {'a' * r.choice([10**4, 10**6])}", 1)),
    ]
    made: list[Made] = []
    for turn in range(count * 3):
        if len(made) == count:
            break
        kind, maker = makers[turn % len(makers)]
        agent = rng.choice(sorted(shipped))
        text = maker(rng, agent, shipped[agent])
        if text != shipped[agent]:
            made.append((kind, agent, text))
    return made


def _replace_key(text: str, key: str, line: str) -> str:
    """Replace a top-level key and its block with `line`."""
    out, skipping = [], False
    for raw in text.splitlines():
        if raw.startswith(f"{key}:"):
            out.append(line)
            skipping = True
            continue
        if skipping and (raw.startswith((" ", "\t")) or not raw.strip()):
            continue
        skipping = False
        out.append(raw)
    return "\n".join(out) + "\n"


def _cut_from(text: str, marker: str) -> str:
    return text[: text.index(marker)] if marker in text else text


def _set_limit(text: str, key: str, value: str) -> str:
    lines = text.splitlines()
    for i, raw in enumerate(lines):
        if raw.strip().startswith(f"{key}:"):
            indent = raw[: len(raw) - len(raw.lstrip())]
            lines[i] = f"{indent}{key}: {value}"
            return "\n".join(lines) + "\n"
    return text + f"\nlimits: {{{key}: {value}}}\n"


def write(made: list[Made], root: Path) -> list[Path]:
    """Each policy in its own folder, named as its agent's file (`policy check` pairs a file with its agent by name)."""
    paths = []
    for index, (_, agent, text) in enumerate(made):
        folder = root / f"{index:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{agent}.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        paths.append(path)
    return paths
