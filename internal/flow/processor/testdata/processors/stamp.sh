#!/bin/sh
set -eu
ext="${EASEL_INPUT##*.}"
cp "$EASEL_INPUT" "image.$ext"
printf '{"params": %s, "cwd": "%s", "input": "%s", "uid": %s, "env_home": "%s"}\n' \
  "$(cat params.json)" "$(pwd)" "$EASEL_INPUT" "$(id -u)" "$HOME" > info.json
echo "stamped $ext" >&2
echo "progress: 0.5"
echo "progress: nonsense"
echo "progress: 1"
