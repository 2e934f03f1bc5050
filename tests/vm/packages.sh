#!/bin/bash
# The Debian packages (make deb) installed into a scratch root and used as a
# newcomer would: dpkg installs them, DKMS builds toe.ko for the running
# kernel, modprobe loads that build, udev gives /dev/toe to group toe,
# toectl works for a member of the group without root, and an example built
# with `pkg-config --cflags --libs libtoe` against the installed libtoe
# echoes what an unmodified Linux peer sends.
#
# The scratch root is an overlay: the host's root (read-only over 9p) below,
# the guest's tmpfs above, so the packages install for real (dpkg database,
# maintainer scripts, DKMS tree, depmod) and vanish at the end.
#
# Needs the .debs in $TOE_BUILD/deb (make deb; make check builds them first).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/testlib.sh
source "$here/lib/testlib.sh"
# shellcheck source=lib/topology.sh
source "$here/lib/topology.sh"
# DKMS compiles the module and the case compiles an example, both inside
# this guest: most of the time is the compiler under emulation.
t_expect 450

debs=${TOE_BUILD:?run this through tests/vm/run}/deb
scratch=$(mktemp -d /tmp/toe-packages.XXXXXX)
root=$scratch/root
logs=${TOE_RESULTS:-$scratch}
port=7300
user=toenewcomer

# in_root CMD...: run CMD as root inside the scratch root.
in_root() { chroot "$root" "$@"; }

# as_member CMD...: run CMD inside the scratch root as an ordinary user
# whose only extra group is toe; member_in NS CMD...: the same in network
# namespace NS.
member=(setpriv --reuid="$user" --regid="$user" --init-groups
	env HOME="/home/$user" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin)
as_member() { chroot "$root" "${member[@]}" "$@"; }
member_in() { ip netns exec "$1" chroot "$root" "${member[@]}" "${@:2}"; }

root_mounts=(proc sys dev run tmp)

mount_root() {
	topo_require_modules overlay
	mkdir -p "$scratch/upper" "$scratch/work" "$root"
	mount -t overlay overlay \
		-o "lowerdir=/,upperdir=$scratch/upper,workdir=$scratch/work" "$root"
	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	mount --bind /dev "$root/dev"
	# The guest's /dev is a bare devtmpfs; dkms's <(...) needs /dev/fd.
	if [[ ! -e /dev/fd ]]; then
		ln -s /proc/self/fd /dev/fd
		made_dev_fd=1
	fi
	mount -t tmpfs tmpfs "$root/run"
	mount -t tmpfs tmpfs "$root/tmp"
}

unmount_root() {
	local m
	for m in "${root_mounts[@]}"; do
		mountpoint -q "$root/$m" && umount -l "$root/$m"
	done
	mountpoint -q "$root" && umount -l "$root"
	[[ -z ${made_dev_fd:-} ]] || rm -f /dev/fd
	return 0
}

# Whatever the case did, the guest is left as the next test expects it:
# the tree's toe.ko loaded, /dev/toe as that module makes it.
restore() {
	[[ -z ${server:-} ]] || kill "$server" 2>/dev/null || true
	[[ -z ${udevd_pid:-} ]] || kill "$udevd_pid" 2>/dev/null || true
	[[ -z ${TOPO_NS_A:-} ]] ||
		ip netns exec "$TOPO_NS_A" chroot "$root" toectl engine detach dev "$TOPO_IF_A" 2>/dev/null || true
	topo_teardown 2>/dev/null || true
	toe_unload 2>/dev/null || true
	unmount_root
	rm -rf "$scratch"
	toe_load
}

case_install_and_use() {
	local pkgs=() p out
	trap restore EXIT
	for p in toe-dkms libtoe1 libtoe-dev toe-tools; do
		out=$(ls "$debs/${p}_"*.deb 2>/dev/null | head -n 1)
		[[ -n $out ]] || t_fail "no $p package in $debs: run 'make deb'"
		pkgs+=("$out")
	done
	toe_unload
	mount_root

	# Installing runs the maintainer scripts: DKMS builds toe.ko for the
	# running kernel and systemd-sysusers creates group toe. man-db's
	# trigger would re-index every manual page of the host's root over 9p
	# under emulation; the pages are checked on the host (lintian).
	rm -f "$root/var/lib/man-db/auto-update"
	in_root env DEBIAN_FRONTEND=noninteractive dpkg -i "${pkgs[@]}" >"$logs/dpkg.log" 2>&1 || {
		tail -n 40 "$logs/dpkg.log" >&2
		t_fail "dpkg -i failed"
	}
	in_root dkms status >"$logs/dkms-status.txt"
	cat "$logs/dkms-status.txt"
	grep -Eq "^toe/0\.1\.0, $(uname -r), x86_64: installed" "$logs/dkms-status.txt" ||
		t_fail "DKMS did not build and install toe for $(uname -r)"
	in_root getent group toe >/dev/null || t_fail "the packages did not create group toe"

	# modprobe finds DKMS's build through depmod, not the tree's module.
	local file
	file=$(in_root modinfo -n toe)
	echo "modprobe toe: $file"
	[[ $file == */updates/dkms/toe.ko* ]] || t_fail "modinfo finds $file, not DKMS's build"
	in_root modprobe -v toe | tee "$logs/modprobe.txt"
	grep -q "^insmod /lib/modules/$(uname -r)/updates/dkms/toe.ko" "$logs/modprobe.txt" ||
		t_fail "modprobe did not load DKMS's build"
	toe_loaded || t_fail "toe.ko is not loaded after modprobe"

	# udev applies the packaged rule (its uevent was before udevd ran,
	# hence the trigger). udevd runs only for this, so it renames nothing
	# the topology makes later. systemd's tools refuse to act in a chroot
	# unless told that this one is meant.
	in_root env SYSTEMD_IGNORE_CHROOT=1 /lib/systemd/systemd-udevd --daemon 2>"$logs/udevd.log"
	udevd_pid=$(pgrep -n -f systemd-udevd)
	in_root env SYSTEMD_IGNORE_CHROOT=1 udevadm trigger --action=add \
		--subsystem-match=misc --sysname-match=toe
	in_root env SYSTEMD_IGNORE_CHROOT=1 udevadm settle --timeout=60
	kill "$udevd_pid"
	udevd_pid=
	# The group exists only in the scratch root: ask there.
	out=$(in_root stat -c '%G %a' /dev/toe)
	echo "/dev/toe: $out"
	[[ $out == "toe 660" ]] || t_fail "/dev/toe is '$out', not group toe mode 0660"

	in_root useradd --create-home --user-group --groups toe "$user"
	as_member id

	# The example, built the way libtoe-dev's examples say.
	in_root cp -r /usr/share/doc/libtoe-dev/examples "/home/$user/examples"
	in_root chown -R "$user:$user" "/home/$user/examples"
	as_member make -C "/home/$user/examples" \
		-f Makefile.standalone toe-echo >"$logs/example-build.log" 2>&1 || {
		cat "$logs/example-build.log" >&2
		t_fail "the example does not build against the installed libtoe"
	}
	cat "$logs/example-build.log"
	in_root ldd "/home/$user/examples/toe-echo" >"$logs/example-ldd.txt"
	grep -Eq "libtoe\.so\.1 => (/usr)?/lib/x86_64-linux-gnu/libtoe\.so\.1 " "$logs/example-ldd.txt" || {
		cat "$logs/example-ldd.txt" >&2
		t_fail "the example is not linked to the installed libtoe.so.1"
	}

	# Reading is open to the group; changing needs CAP_NET_ADMIN.
	topo_veth
	if member_in "$TOPO_NS_A" toectl engine attach dev "$TOPO_IF_A" 2>"$logs/attach-member.txt"; then
		t_fail "toectl attached an engine without CAP_NET_ADMIN"
	fi
	cat "$logs/attach-member.txt"
	grep -q "CAP_NET_ADMIN" "$logs/attach-member.txt" ||
		t_fail "toectl's refusal to attach does not name CAP_NET_ADMIN"
	ip netns exec "$TOPO_NS_A" chroot "$root" toectl engine attach dev "$TOPO_IF_A"
	member_in "$TOPO_NS_A" toectl engine show

	member_in "$TOPO_NS_A" "/home/$user/examples/toe-echo" server --verbose --count 1 \
		"$TOPO_IP_A:$port" >"$logs/toe-echo.log" 2>&1 &
	server=$!
	wait_until 60 "toe-echo listening" grep -q '^listening on' "$logs/toe-echo.log"

	# A Linux client that stays connected until its input closes, so the
	# connection can be seen while it is up.
	local fifo=$scratch/client-in got=$scratch/client-out
	mkfifo "$fifo"
	ns_exec "$TOPO_NS_B" timeout 120 nc -N "$TOPO_IP_A" "$port" <"$fifo" >"$got" &
	local client=$!
	exec 3>"$fifo"
	echo "hello from an unmodified Linux peer" >&3
	wait_until 60 "the echo" grep -q '^hello from an unmodified Linux peer$' "$got"

	member_in "$TOPO_NS_A" toectl -j socket show >"$logs/socket-show.json"
	member_in "$TOPO_NS_A" toectl socket show
	jq -e --arg peer "$TOPO_IP_B" \
		'[.[] | select(.state == "ESTABLISHED" and (.remote | startswith($peer + ":")))] | length == 1' \
		"$logs/socket-show.json" >/dev/null ||
		t_fail "toectl socket show, run by a member of group toe, does not list the connection"
	member_in "$TOPO_NS_A" toectl app show | tee "$logs/app-show.txt"
	grep -q 'toe-echo' "$logs/app-show.txt" || t_fail "toectl app show does not list toe-echo"

	seq -f 'line %g' 1 100 >&3
	exec 3>&-
	wait "$client"
	wait "$server" || t_fail "toe-echo exited with $?"
	cat "$logs/toe-echo.log"
	[[ $(wc -l <"$got") == 101 ]] || t_fail "the peer got $(wc -l <"$got") lines back, not 101"
	grep -q '^served 1 connection' "$logs/toe-echo.log" || t_fail "toe-echo did not serve the connection"
}

t_case packages_install_and_work case_install_and_use
t_finish
