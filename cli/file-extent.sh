# shellcheck shell=bash
# Run on a node by `lab corrupt N PATH` (cli/disk-corruption.ts), as the admin user, with
# PATH as $1: where the file's first bytes lie on its disk. Prints the file system's device
# and type, the partition's first sector and its disk, then filefrag's extent list.
set -eu
path="$1"
sudo test -f "$path" || { echo "no file $path on $(hostname)" >&2; exit 2; }
# Its data on the disk now, not only in the page cache.
sudo sync "$path"
read -r source fstype < <(findmnt -no SOURCE,FSTYPE --target "$path")
echo "source=$source"
echo "fstype=$fstype"
part="$(basename "$(readlink -f "$source")")"
echo "disk=$(basename "$(readlink -f "/sys/class/block/$part/..")")"
echo "start=$(cat "/sys/class/block/$part/start" 2>/dev/null || echo 0)"
sudo filefrag -v "$path"
