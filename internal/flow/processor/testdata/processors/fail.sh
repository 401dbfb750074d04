#!/bin/sh
i=0
while [ $i -lt 500 ]; do echo "noise line $i" >&2; i=$((i+1)); done
echo "the last words" >&2
exit "$(sed 's/.*"status": *\([0-9]*\).*/\1/' params.json)"
