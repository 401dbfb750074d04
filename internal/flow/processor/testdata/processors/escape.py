import json, os, socket
p = json.loads(os.environ["EASEL_PARAMS"])
report = {"wrote": [], "write_errors": {}, "connected": False, "connect_error": ""}
for t in p["targets"].split(":"):
    try:
        with open(t, "w") as f:
            f.write("escaped\n")
        report["wrote"].append(t)
    except OSError as e:
        report["write_errors"][t] = str(e)
try:
    s = socket.create_connection(("127.0.0.1", p["port"]), timeout=2)
    s.close()
    report["connected"] = True
except OSError as e:
    report["connect_error"] = str(e)
json.dump(report, open("report.json", "w"))
