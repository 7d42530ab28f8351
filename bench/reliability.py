"""Writes docs/RELIABILITY.md from the JSON lines the fault tests append (bench/reliability)."""
import json
import platform
import sys
from datetime import date

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
commit = sys.argv[2]


def of(kind):
    return [r for r in rows if r.get("figure") == kind]


def table(head, lines, empty_cells):
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for line in lines:
        print("| " + " | ".join(str(c) for c in line) + " |")
    if not lines:
        print("| (no run) " + "| " * empty_cells + "|")
    print()


print("# Reliability\n")
print(f"Measured by `bench/reliability` on {date.today().isoformat()}, commit `{commit}`, "
      f"{platform.system()} {platform.release()}, release build. The same tests run in CI with "
      "fewer rounds (crates/otinish/tests/cli.rs, modules `crash` and `two_nodes`).\n")

print("## Crash consistency: SIGKILL under load\n")
print("The real server (`otinish serve --demo`) takes signed e-appeals from 8 concurrent "
      "clients through the applicant's cabinet. At a random moment 0.2 to 1.2 s into each round "
      "it is killed with SIGKILL, then restarted on the same data. With three nodes on one "
      "PostgreSQL, each round kills a random choice of them (one, two, or all three at the same "
      "moment), and a client whose node is gone turns to the next, as behind a load balancer. "
      "The nodes send their email notices to a recording mail server.\n")
print("After the last kill every appeal whose receipt was returned is read back from the "
      "restarted server as its applicant sees it and compared with the text sent. The database "
      "is checked for anything half-written: an appeal without its card, signed receipt, journal "
      "entry, deadlines or registration, or a gap in registration numbers (across all nodes). "
      "`otinish verify-journal` checks the audit chain. Every email notice must have reached the "
      "mail server.\n")
table(["backend", "nodes", "kill rounds", "nodes killed (all at once)", "appeals sent",
       "acknowledged", "checked", "lost", "half-written", "journal", "notices",
       "sent again", "restart p50 / max ms", "seconds", "seed"],
      [[r["backend"], r.get("nodes", 1), r["kills"], f"{r.get('node_kills', r['kills'])} "
        f"({r.get('all_at_once', 0)})", r["sent"], r["acknowledged"], r["checked"], r["lost"],
        r["half_written"], "verified" if r["journal_verified"] else "BROKEN",
        r.get("notices", "-"), r.get("notices_resent", "-"),
        f"{r['restart_p50_ms']} / {r['restart_max_ms']}", f"{r['seconds']:.0f}", r["seed"]]
       for r in of("crash")], 14)
print("Appeals sent but not acknowledged were in flight at the kill; each is either absent "
      "or stored whole. One stored just before its receipt and registration is finished by a "
      "server when it starts again (intake older than a minute is completed at start-up and "
      "every 30 s). Notices a killed node had claimed are sent by another node once their "
      "two-minute lease is over. The harness's last start runs three minutes ahead to see both "
      "done. An appeal retried with the same idempotency key returns the stored one.\n")
print("*Sent again* counts emails that reached the mail server twice. That happens only when "
      "a kill falls between the mail server's acceptance and the record of the delivery; a "
      "worker sends up to 8 at a time, so a kill can catch up to 8. The copy carries the same "
      "Message-ID as the first, so mail systems can tell it is one message. Without kills, "
      "nothing is sent twice (below).\n")

print("## Several nodes on one PostgreSQL\n")
print("| check | nodes | tried | expected effects | effects | twice |")
print("|---|---|---|---|---|---|")
names = {
    "notices": "email notices of 40 appeals filed alternately on each node, delivered by both "
               "nodes' workers",
    "lease": "notices claimed by a node that hangs on its mail server and is killed with "
             "SIGKILL; another node, its clock past the lease, sends them",
    "bookings": "simultaneous bookings of one reception time, alternately on each node (VC-02)",
}
nodes = of("nodes")
for r in nodes:
    print(f"| {names.get(r['what'], r['what'])} | {r['nodes']} | {r['tried']} | {r['expected']} "
          f"| {r['effects']} | {r['twice']} |")
if not nodes:
    print("| (no run) | | | | | |")
print("\nRegistration numbers across three nodes are checked gap-free by the crash harness "
      "above.\n")

print("## Graceful shutdown: SIGTERM under load\n")
print("Eight clients file appeals as fast as they are answered; the notice worker holds claims "
      "on a mail server that takes the connection and never answers; SIGTERM comes at a random "
      "moment 1 to 3 s into each round. The server stops taking connections, answers every "
      "request it had taken, gives back the notices it had claimed and not sent, and exits; it "
      "is then started again for the next round. After the last round the store is checked as "
      "it stands, with no start-up sweep: nothing is half-written, every acknowledged appeal "
      "is there.\n")
table(["backend", "rounds", "acknowledged", "lost", "half-written", "answered after SIGTERM",
       "broken answers", "closed unread", "leases held at SIGTERM", "leases left at exit",
       "exit p50 / max ms", "seed"],
      [[r["backend"], r["rounds"], r["acknowledged"], r["lost"], r["half_written"],
        r["answered_after_sigterm"], r["broken"], r["closed_unread"], r["leases_held"],
        r["leases_left"], f"{r['exit_p50_ms']} / {r['exit_max_ms']}", r["seed"]]
       for r in of("shutdown")], 11)
print("*Closed unread*: connections the kernel had accepted but whose request the server had "
      "not begun to read when the listener closed; their clients get no answer and nothing is "
      "stored, as a client must expect of a server going away (a retry with the same idempotency "
      "key is safe). A broken answer (a part, then nothing) would fail the test.\n")

print("## Overload\n")
print("The intake capacity is measured first (signed e-appeals through the JSON API, 64 "
      "connections, 10 s). Then twice that rate is offered for the period below, open loop: "
      "requests are sent on schedule whether or not earlier ones were answered, as people "
      "arrive. Beyond `--max-in-flight` (512) the server refuses at once with 503 and "
      "`Retry-After`; the health check is sampled four times a second and the server's "
      "resident memory with it. When the load stops, 20 appeals are sent one after another.\n")
table(["backend", "capacity /s", "offered /s", "seconds", "sent", "accepted /s",
       "refused with 503", "other", "accepted p50 / p99 ms", "memory peak MB",
       "health check max ms (failed)", "served after"],
      [[r.get("backend", "sqlite"), r["capacity"], r["rate"], f"{r['seconds']:.0f}", r["sent"],
        f"{r['accepted_per_second']:.0f}", r["shed"], r["other"],
        f"{r['p50_ms']:.0f} / {r['p99_ms']:.0f}", f"{r['rss_peak_kb'] / 1024:.0f}",
        f"{r['health_max_ms']:.0f} ({r['health_failed']})",
        f"{r['recovered']} of 20, {r['recovery_ms_per_request']:.0f} ms each"]
       for r in of("overload")], 11)

print("## Attacks: retrying clients, slow bodies, large uploads\n")
print("On the same server after the overload run. **Flood**: 640 clients (ten times the 64 "
      "connections at which intake is measured) each file signed appeals one after another and "
      "retry a refused one at once, with no back-off; the target is at least 70 % of the "
      "capacity above. A body is read before its request takes a place in flight, and a full "
      "server refuses before reading anything, so the admitted requests keep moving.\n")
table(["backend", "clients", "seconds", "capacity /s", "accepted /s", "of capacity",
       "refused (503/429)", "other", "p99 until accepted ms"],
      [[r.get("backend", "sqlite"), r["clients"], f"{r['seconds']:.0f}", f"{r['capacity']:.0f}",
        f"{r['accepted_per_second']:.0f}", f"{r['of_capacity'] * 100:.0f} %", r["refused"],
        r["other"], f"{r['p99_until_accepted_ms']:.0f}"]
       for r in of("flood")], 8)
print("**Slow bodies**: 520 connections announce a 100 KB body and send a byte every two "
      "seconds, reconnecting whenever they are cut off; meanwhile one client reads the list of "
      "bodies and asks for a sign-in challenge in turn, every 50 ms. A body must come at 1 KB/s "
      "on average after ten seconds, and never holds a place in flight while it arrives.\n")
table(["backend", "attackers", "seconds", "attack connections", "cut off",
       "legitimate requests", "served", "served p99 ms"],
      [[r.get("backend", "sqlite"), r["attackers"], r["seconds"], r["attack_connections"],
        r["attackers_cut_off"], r["legitimate_requests"],
        f"{r['legitimate_served']} ({r['served_fraction'] * 100:.0f} %)",
        f"{r['legitimate_p99_ms']:.0f}"]
       for r in of("slow_bodies")], 7)
print("**Large uploads**: 32 signed-in requests at once, each a 60 MB JSON body whose signature "
      "is junk. Bodies held in memory at once are capped (96 MB); past the cap a request is "
      "refused with 503 before its body is read, and a signature over 1 MB is refused before it "
      "is parsed.\n")
table(["backend", "uploads", "MB each", "seconds", "answers", "memory before / peak / after MB"],
      [[r.get("backend", "sqlite"), r["uploads"], r["megabytes"], f"{r['seconds']:.1f}",
        ", ".join(f"{k}: {v}" for k, v in r["statuses"].items()),
        f"{r['rss_before_mb']} / {r['rss_peak_mb']} / {r['rss_after_mb']}"]
       for r in of("uploads")], 5)
