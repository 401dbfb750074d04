import json, os
mib = json.loads(os.environ["EASEL_PARAMS"])["mib"]
blocks = [bytearray(1 << 20) for _ in range(mib)]
open("out.txt", "w").write("allocated %d MiB\n" % len(blocks))
