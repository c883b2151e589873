"""Latency of evaluating a playbook and of a refused pivot, for a playbook with 1 version and one
with many, measured side by side on one server (rounds interleaved, medians). Driven by history.sh."""
import http.client, json, statistics, sys, time

host, port, token, versions, rounds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
conn = http.client.HTTPConnection(host, port)
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

def call(method, path, body=None):
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    response = conn.getresponse()
    return response.status, response.read()

def create(name):
    status, body = call("POST", "/v1/playbooks", {"name": name, "mode": "outbound", "buddyId": "prospect",
        "strategy": {"hypothesis": "Heads of growth reply", "successMetric": "reply_rate", "successTarget": 20},
        "adaptation": {"minSampleSize": 10}})
    assert status == 201, body
    playbook = json.loads(body)["playbook"]["id"]
    status, body = call("POST", f"/v1/playbooks/{playbook}/run")
    run = json.loads(body)["run"]["id"]
    call("POST", f"/v1/playbooks/{playbook}/runs/{run}/outcomes", {"samples": 20, "successes": 1})
    return playbook

one = create("One version")
many = create("Many versions")
start = time.time()
for i in range(versions - 1):
    # Renames keep the strategy: finding where it started meant walking back through every version.
    status, body = call("PUT", f"/v1/playbooks/{many}", {"name": f"Renamed {i}"})
    assert status == 200, body
print(f"wrote {versions - 1} versions in {time.time() - start:.1f} s", file=sys.stderr)

def timed(method, path, body, expect):
    began = time.perf_counter()
    status, answer = call(method, path, body)
    elapsed = time.perf_counter() - began
    assert status == expect, (status, answer)
    return elapsed * 1000

samples = {key: [] for key in ("evaluate 1", f"evaluate {versions}", "refused pivot 1", f"refused pivot {versions}")}
pivot = {"reason": "bench", "strategy": {"hypothesis": "Something else"}}
for _ in range(rounds):
    samples["evaluate 1"].append(timed("GET", f"/v1/playbooks/{one}/adaptation", None, 200))
    samples[f"evaluate {versions}"].append(timed("GET", f"/v1/playbooks/{many}/adaptation", None, 200))
    samples["refused pivot 1"].append(timed("POST", f"/v1/playbooks/{one}/pivots", pivot, 409))
    samples[f"refused pivot {versions}"].append(timed("POST", f"/v1/playbooks/{many}/pivots", pivot, 409))

medians = {key: statistics.median(values) for key, values in samples.items()}
for key, value in medians.items():
    print(f"| {key} versions | {value:.2f} ms |")
print(f"| ratio, evaluate {versions} / 1 | {medians[f'evaluate {versions}'] / medians['evaluate 1']:.2f} |")
print(f"| ratio, refused pivot {versions} / 1 | {medians[f'refused pivot {versions}'] / medians['refused pivot 1']:.2f} |")
