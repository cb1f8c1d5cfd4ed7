#!/usr/bin/env python3
"""The ecosystem check's tables (see bench/ecosystem/README.md).

  report.py list-crates --lock Cargo.lock --manifest Cargo.toml
  report.py report --runs OUT --triage triage.toml --sites sites.toml [--skeleton FILE]

`report` reads what run.sh left in OUT (runs.tsv: crate, version, exit
code, milliseconds; runs/CRATE.json: forklint's `--format json` lines) and
prints, as Markdown: precision per rule and per level against the verdicts
of triage.toml, the findings not judged yet, judged findings that no longer
appear, recall against the hazards of sites.toml, crates whose run would fail
CI without a true finding, and crashes, timeouts and slow runs. It exits 1
when a finding is unjudged or a run crashed or timed out, so a change that
adds findings cannot pass unseen. `--skeleton FILE` writes the unjudged
findings as triage entries with an empty verdict, ready to judge.
"""

import argparse
import json
import os
import sys
import tomllib
from collections import Counter, defaultdict

VERDICTS = ("true", "failure-path", "pedantic", "false")
LEVELS = ("deny", "warn", "allow")
SLOW_MS = 5000


def list_crates(args):
    manifest = tomllib.load(open(args.manifest, "rb"))
    lock = tomllib.load(open(args.lock, "rb"))
    root = next(p for p in lock["package"] if p["name"] == manifest["package"]["name"])
    locked = {}
    for dep in root.get("dependencies", []):
        parts = dep.split()
        if len(parts) > 1:
            locked[parts[0]] = parts[1]
        else:
            locked[parts[0]] = next(p["version"] for p in lock["package"] if p["name"] == parts[0])
    for name in sorted(manifest["dependencies"]):
        print(f"{name}\t{locked[name]}")


def load_toml_list(path, key):
    if not os.path.exists(path):
        sys.exit(f"report.py: {path} does not exist")
    return tomllib.load(open(path, "rb")).get(key, [])


def load_runs(out):
    runs = []
    with open(os.path.join(out, "runs.tsv")) as f:
        for line in f:
            name, version, code, ms = line.rstrip("\n").split("\t")
            runs.append({"crate": name, "version": version, "code": int(code), "ms": int(ms)})
    if not runs:
        sys.exit("report.py: runs.tsv lists no crate: nothing was run")
    findings = []
    for run in runs:
        path = os.path.join(out, "runs", run["crate"] + ".json")
        stderr = open(os.path.join(out, "runs", run["crate"] + ".stderr"), errors="replace").read()
        run["panicked"] = "panicked at" in stderr
        run["stderr"] = stderr
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                d = json.loads(line)
                d["crate"] = run["crate"]
                d["path"] = d["path"].removeprefix("./")
                # JSON says error/warning (rustc's words); the tables say deny/warn.
                d["level"] = {"error": "deny", "warning": "warn", "note": "allow"}.get(d["level"], d["level"])
                findings.append(d)
    return runs, findings


def key(crate, fingerprint):
    return (crate, fingerprint)


def pct(n, d):
    return f"{100.0 * n / d:.0f}%" if d else "-"


def report(args):
    runs, findings = load_runs(args.runs)
    triage = load_toml_list(args.triage, "finding")
    sites = load_toml_list(args.sites, "site")
    verdict = {}
    problems = []
    for t in triage:
        if t.get("verdict") not in VERDICTS:
            problems.append(f"triage.toml: {t.get('crate')} {t.get('fingerprint')}: verdict {t.get('verdict')!r} is not one of {VERDICTS}")
            continue
        if not t.get("reason"):
            problems.append(f"triage.toml: {t['crate']} {t['fingerprint']}: no reason")
        k = key(t["crate"], t["fingerprint"])
        if k in verdict and verdict[k]["verdict"] != t["verdict"]:
            problems.append(f"triage.toml: {t['crate']} {t['fingerprint']} judged twice, differently")
        verdict[k] = t

    ran = {r["crate"] for r in runs}
    p = print
    p(f"# Ecosystem check: {len(runs)} crates, {len(findings)} findings\n")

    # --- precision per rule and level ------------------------------------------
    table = defaultdict(Counter)  # (rule, level) -> verdict counts (+ "unjudged")
    for f in findings:
        t = verdict.get(key(f["crate"], f["fingerprint"]))
        table[(f["rule"], f["level"])][t["verdict"] if t else "unjudged"] += 1
    p("## Findings by rule and level\n")
    p("| rule | level | findings | true | failure-path | pedantic | false | unjudged | precision (true/judged) |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    by_level = defaultdict(Counter)
    for (rule, level), c in sorted(table.items(), key=lambda x: (LEVELS.index(x[0][1]) if x[0][1] in LEVELS else 9, x[0][0])):
        judged = sum(c[v] for v in VERDICTS)
        total = judged + c["unjudged"]
        by_level[level].update(c)
        p(f"| {rule} | {level} | {total} | {c['true']} | {c['failure-path']} | {c['pedantic']} | {c['false']} | {c['unjudged']} | {pct(c['true'], judged)} |")
    p("")
    p("| level | findings | true | true or failure-path | precision (true/judged) | true or failure-path / judged |")
    p("|---|---:|---:|---:|---:|---:|")
    for level in LEVELS:
        c = by_level.get(level)
        if not c:
            continue
        judged = sum(c[v] for v in VERDICTS)
        total = judged + c["unjudged"]
        p(f"| {level} | {total} | {c['true']} | {c['true'] + c['failure-path']} | {pct(c['true'], judged)} | {pct(c['true'] + c['failure-path'], judged)} |")
    p("")

    # --- per crate ---------------------------------------------------------------
    per_crate = defaultdict(Counter)
    for f in findings:
        t = verdict.get(key(f["crate"], f["fingerprint"]))
        per_crate[f["crate"]][f["level"]] += 1
        per_crate[f["crate"]]["v:" + (t["verdict"] if t else "unjudged")] += 1
    p("## Per crate\n")
    p("| crate | version | exit | ms | deny | warn | true | failure-path | pedantic | false | unjudged |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        c = per_crate[r["crate"]]
        p(f"| {r['crate']} | {r['version']} | {r['code']} | {r['ms']} | {c['deny']} | {c['warn']} | {c['v:true']} | {c['v:failure-path']} | {c['v:pedantic']} | {c['v:false']} | {c['v:unjudged']} |")
    p("")

    # --- CI verdicts, crashes, time ------------------------------------------------
    fails_ci = [r["crate"] for r in runs if r["code"] == 1 and per_crate[r["crate"]]["v:true"] == 0]
    crashed = [r for r in runs if r["code"] not in (0, 1) or r["panicked"]]
    slow = [r for r in runs if r["ms"] > SLOW_MS]
    p("## CI\n")
    p(f"- crates whose run exits 1: {sum(1 for r in runs if r['code'] == 1)} of {len(runs)}")
    p(f"- of those, without a `true` finding (CI fails for nothing): {len(fails_ci)}" + (f": {', '.join(fails_ci)}" if fails_ci else ""))
    p(f"- crashes or errors (exit other than 0/1, or a panic): {len(crashed)}" + "".join(f"\n  - {r['crate']}: exit {r['code']}: {r['stderr'].strip().splitlines()[-1] if r['stderr'].strip() else ''}" for r in crashed))
    p(f"- runs over {SLOW_MS / 1000:.0f} s: {len(slow)}" + "".join(f"\n  - {r['crate']}: {r['ms']} ms" for r in slow))
    p(f"- slowest run: {max(runs, key=lambda r: r['ms'])['crate']} ({max(r['ms'] for r in runs)} ms)")
    p("")

    # --- recall ----------------------------------------------------------------------
    reported = set()
    for f in findings:
        reported.add((f["crate"], f["path"], f.get("function") or "", f["rule"]))
        reported.add((f["crate"], f["path"], "*", f["rule"]))
    # All hazards are looked for in the run with every group on (pedantic
    # included); normal-path ones in the default run, as a user sees it.
    reported_all = set(reported)
    for r in runs:
        path = os.path.join(args.runs, "runs", r["crate"] + ".all.json")
        if not os.path.exists(path):
            continue
        for line in open(path):
            if line.strip():
                d = json.loads(line)
                p_ = d["path"].removeprefix("./")
                reported_all.add((r["crate"], p_, d.get("function") or "", d["rule"]))

    # Where a hazard counts as found: its file and function (the hazard's
    # path/function over the site's), or one of the places `found_at` names
    # (a wrapper whose flags its callers choose: reported at those calls).
    def places(s, h):
        path = h.get("path", s["path"])
        out = [(path, h.get("function", s.get("function", "")))]
        for alt in h.get("found_at", []):
            out.append((alt.get("path", path), alt.get("function", "")))
        return out

    hazards = []
    for s in sites:
        for h in s.get("hazards", []):
            where = places(s, h)
            hit = any((s["crate"], p_, f_, h["rule"]) in reported for p_, f_ in where)
            hit_all = any((s["crate"], p_, f_, h["rule"]) in reported_all for p_, f_ in where)
            hazards.append((s, h, hit, hit_all))
            label = f"sites.toml: {s['crate']} {s['path']}:{s.get('line')} {h['rule']}"
            if "known" in h and not h.get("via"):
                problems.append(f"{label}: `known` without `via`")
            if "via" in h and not isinstance(h["via"], str):
                problems.append(f"{label}: `via` is not a string")
            for alt in h.get("found_at", []):
                if not isinstance(alt, dict) or not alt.get("function"):
                    problems.append(f"{label}: a `found_at` entry without a function")
    # A hazard the reader marked pedantic ("pedantic: ..." in its note: true by
    # the letter, harmless in practice) is not one a maintainer would fix.
    def pedantic(h):
        return h.get("note", "").lower().startswith("pedantic")
    normal = [
        x
        for x in hazards
        if x[1].get("path_kind", "normal") == "normal"
        and x[0].get("context", "production") == "production"
        and not pedantic(x[1])
    ]
    p("## Recall (hazards a reader finds at the sites of sites.toml)\n")
    p(f"- sites: {len(sites)} in {len({s['crate'] for s in sites})} crates; hazards: {len(hazards)}")
    p(f"- normal-path hazards in production code (not marked pedantic): {sum(1 for x in normal if x[2])} of {len(normal)} found ({pct(sum(1 for x in normal if x[2]), len(normal))})")
    n_all = sum(1 for x in hazards if x[3])
    p(f"- all hazards, every group on (`-W pedantic`): {n_all} of {len(hazards)} found ({pct(n_all, len(hazards))})")
    # Hazards that live in a call into a dependency (`via`): what judging
    # dependencies from their sources can gain. Those whose call the knowledge
    # tables list (`known`) are counted apart: a table finds them already.
    via = [x for x in hazards if x[1].get("via") and not x[1].get("known")]
    via_known = [x for x in hazards if x[1].get("via") and x[1].get("known")]
    via_normal = [x for x in via if x in normal]
    n_via = sum(1 for x in via if x[3])
    p(f"- hazards in a call into a dependency the tables do not list (`via`, not `known`), every group on: {n_via} of {len(via)} found ({pct(n_via, len(via))})")
    p(f"  - normal-path ones in production code (not marked pedantic), default run: {sum(1 for x in via_normal if x[2])} of {len(via_normal)} found")
    p(f"  - with a cause the tables know besides the dependency call (`also`): {sum(1 for x in via if x[1].get('also'))} of {len(via)}")
    p(f"- hazards in a dependency call the tables list (`via` and `known`), every group on: {sum(1 for x in via_known if x[3])} of {len(via_known)} found")
    missed = [x for x in normal if not x[2]] + [x for x in hazards if not x[3] and x not in normal]
    if missed:
        p("\nMissed (normal-path production hazards missed by the default run first, then every hazard missed with every group on):\n")
        for s, h, _, _ in missed:
            p(f"- {s['crate']} {h.get('path', s['path'])} `{h.get('function', s.get('function', ''))}`: {h['rule']} ({s.get('context', 'production')}, {h.get('path_kind', 'normal')}): {h.get('note', '')}")
    via_missed = [x for x in via if not x[3]]
    if via_missed:
        p("\nHazards in a dependency call (`via`, not `known`) not found with every group on:\n")
        p("| crate | path | function | rule | via | context | also |")
        p("|---|---|---|---|---|---|---|")
        for s, h, _, _ in via_missed:
            p(f"| {s['crate']} | {h.get('path', s['path'])} | `{h.get('function', s.get('function', ''))}` | {h['rule']} | `{h['via']}` | {s.get('context', 'production')} | {'yes' if h.get('also') else ''} |")
    p("")

    # --- unjudged and disappeared ------------------------------------------------------
    unjudged = [f for f in findings if key(f["crate"], f["fingerprint"]) not in verdict]
    produced = {key(f["crate"], f["fingerprint"]) for f in findings}
    gone = [t for t in triage if t["crate"] in ran and key(t["crate"], t["fingerprint"]) not in produced]
    p(f"## Judged findings that no longer appear: {len(gone)}\n")
    for t in gone:
        p(f"- {t['crate']} {t.get('path', '')} `{t.get('function', '')}` {t.get('rule', '')} ({t['verdict']}): {t.get('reason', '')}")
    p("")
    p(f"## Findings not judged yet: {len(unjudged)}\n")
    for f in unjudged:
        p(f"- {f['crate']} {f['path']}:{f['line']} `{f.get('function') or ''}` {f['rule']} ({f['level']}) {f['fingerprint']}: {f['message'].splitlines()[0]}")
    p("")
    for msg in problems:
        p(f"- problem: {msg}")

    if args.skeleton:
        seen = set()
        with open(args.skeleton, "w") as out:
            for f in unjudged:
                k = key(f["crate"], f["fingerprint"])
                if k in seen:
                    continue
                seen.add(k)
                out.write("[[finding]]\n")
                out.write(f"crate = {json.dumps(f['crate'])}\n")
                out.write(f"fingerprint = {json.dumps(f['fingerprint'])}\n")
                out.write(f"rule = {json.dumps(f['rule'])}\n")
                out.write(f"level = {json.dumps(f['level'])}\n")
                out.write(f"path = {json.dumps(f['path'])}\n")
                out.write(f"line = {f['line']}\n")
                out.write(f"function = {json.dumps(f.get('function') or '')}\n")
                out.write(f"message = {json.dumps(f['message'].splitlines()[0])}\n")
                out.write('verdict = ""\nreason = ""\n\n')

    bad = bool(unjudged) or bool(crashed) or bool(problems)
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("list-crates")
    a.add_argument("--lock", required=True)
    a.add_argument("--manifest", required=True)
    b = sub.add_parser("report")
    b.add_argument("--runs", required=True)
    b.add_argument("--triage", required=True)
    b.add_argument("--sites", required=True)
    b.add_argument("--skeleton")
    args = ap.parse_args()
    if args.cmd == "list-crates":
        list_crates(args)
        return 0
    return report(args)


if __name__ == "__main__":
    sys.exit(main())
