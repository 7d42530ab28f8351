"""Writes docs/RELIABILITY.md from the JSON lines the fault tests append (bench/reliability)."""
import json
import platform
import sys
from datetime import date

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
commit = sys.argv[2]
crash = [r for r in rows if r.get("figure") == "crash"]

print("# Reliability\n")
print(f"Measured by `bench/reliability` on {date.today().isoformat()}, commit `{commit}`, "
      f"{platform.system()} {platform.release()}, release build.\n")
print("## Crash consistency: SIGKILL under load\n")
print("The real server (`otinish serve --demo`) takes signed e-appeals from 8 concurrent "
      "clients through the applicant's cabinet; at a random moment 0.2 to 1.2 s into each round "
      "it is killed with SIGKILL, then restarted on the same data. After the last kill every "
      "appeal whose receipt was returned is read back from the restarted server as its applicant "
      "sees it and compared with the text sent; the database is checked for anything "
      "half-written (an appeal without its card, signed receipt, journal entry, deadlines or "
      "registration, a gap in registration numbers) and `otinish verify-journal` checks the audit chain. The "
      "same harness runs in CI with 20 kills per backend "
      "(`crash_sigkill_under_load_loses_no_acknowledged_appeal_*` in crates/otinish/tests/cli.rs).\n")
print("| backend | kills survived | appeals sent | acknowledged | checked | lost | half-written "
      "| journal | restart p50 / max ms | seconds | seed |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for r in crash:
    print(f"| {r['backend']} | {r['kills']} | {r['sent']} | {r['acknowledged']} | {r['checked']} "
          f"| {r['lost']} | {r['half_written']} | {'verified' if r['journal_verified'] else 'BROKEN'} "
          f"| {r['restart_p50_ms']} / {r['restart_max_ms']} | {r['seconds']:.0f} | {r['seed']} |")
if not crash:
    print("| (no run) | | | | | | | | | | |")
print("\nAppeals sent but not acknowledged were in flight at the kill; each is either absent "
      "or stored whole. One stored just before its receipt and registration is finished by the "
      "server when it starts again (intake older than a minute is completed at start-up and "
      "every 30 s; the harness's last start runs two minutes ahead to see it done). An appeal "
      "retried with the same idempotency key returns the stored one.\n")
over = [r for r in rows if r.get("figure") == "overload"]
print("## Overload\n")
print("The intake capacity is measured first (signed e-appeals through the JSON API, 64 "
      "connections, 10 s). Then twice that rate is offered for the period below, open loop: "
      "requests are sent on schedule whether or not earlier ones were answered, as people "
      "arrive. Beyond `--max-in-flight` (512) the server refuses at once with 503 and "
      "`Retry-After`; the health check is sampled four times a second and the server's "
      "resident memory with it. When the load stops, 20 appeals are sent one after another.\n")
print("| capacity /s | offered /s | seconds | sent | accepted /s | refused with 503 | other "
      "| accepted p50 / p99 ms | memory peak MB | health check max ms (failed) | served after |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for r in over:
    print(f"| {r['capacity']} | {r['rate']} | {r['seconds']:.0f} | {r['sent']} "
          f"| {r['accepted_per_second']:.0f} | {r['shed']} | {r['other']} "
          f"| {r['p50_ms']:.0f} / {r['p99_ms']:.0f} | {r['rss_peak_kb'] / 1024:.0f} "
          f"| {r['health_max_ms']:.0f} ({r['health_failed']}) "
          f"| {r['recovered']} of 20, {r['recovery_ms_per_request']:.0f} ms each |")
if not over:
    print("| (no run) | | | | | | | | | | |")
print("\n## Not measured yet\n")
print("The crash harness with kills on two or three nodes at once. Several nodes are tested "
      "in `cargo test` (notices sent once through two nodes, a killed node's notices sent by "
      "another after the lease, one booking of fifty through two nodes) without figures here.")
