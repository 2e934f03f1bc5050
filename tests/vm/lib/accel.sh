# shellcheck shell=bash
# Chooses the test host's accelerator, sourced by tests/vm/run.
#
#   accel_choose KERNEL_IMAGE INITRD
#
# sets accel (kvm or tcg) and accel_args (qemu's options for it), or exits
# with status 2 when TOE_VM_ACCEL=kvm is asked for and KVM cannot run the
# guest.
#
# A /dev/kvm that opens is not proof that KVM works: in a nested guest the
# outer hypervisor may refuse an MSR that `-cpu host` sets (qemu aborts), or
# a guest may hang in early boot. So KVM is trusted only after a probe boot
# of the same kernel and initramfs has reached a marker printed by the
# guest's init (tests/vm/lib/init, toevm_probe=1) within a short limit.
# The answer is cached per boot of this machine (its boot_id), qemu, kernel
# and CPU model, so the probe is paid once, whatever the checkout.

# The CPU model under KVM. `host` with IA32_ARCH_CAPABILITIES taken away:
# the host's own features on Intel and AMD alike, without the MSR that
# nested hypervisors refuse to let qemu set. TOE_VM_CPU overrides it (KVM
# only: TCG emulates "max", every feature it has).
accel_kvm_cpu=${TOE_VM_CPU:-host,-arch-capabilities}
accel_tcg_cpu=max
# Seconds for the probe to reach init. KVM gets there in one or two.
accel_probe_limit=${TOE_VM_PROBE_S:-10}
accel_probe_marker="toe-vm: probe: init reached"

_accel_cache_dir() {
	local d
	for d in "${XDG_RUNTIME_DIR:-}" /run /tmp; do
		[[ -n $d && -d $d && -w $d ]] || continue
		mkdir -p "$d/toe-vm-accel" 2>/dev/null || continue
		echo "$d/toe-vm-accel"
		return
	done
}

# _accel_probe_kvm KERNEL_IMAGE INITRD: boots the guest under KVM as far as
# init. Returns 0 if it got there; otherwise prints why.
_accel_probe_kvm() {
	local kernel=$1 initrd=$2 log rc=0 why
	log=$(mktemp)
	timeout --kill-after=5 "$accel_probe_limit" qemu-system-x86_64 \
		-accel kvm -cpu "$accel_kvm_cpu" -smp 2 -m 2048 \
		-nographic -no-reboot -nic none \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 toevm_probe=1" \
		</dev/null >"$log" 2>&1 || rc=$?
	if grep -qF "$accel_probe_marker" "$log"; then
		rm -f "$log"
		return 0
	fi
	if ((rc == 124 || rc == 137)); then
		why="the probe guest did not reach init within ${accel_probe_limit}s"
		why+=" with -cpu $accel_kvm_cpu"
		local last
		# Not quiet: the last line the kernel printed says how far it got.
		last=$(sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b.//g' -e 's/\r//g' "$log" |
			grep -v -e '^[[:space:]]*$' -e 'terminating on signal' | tail -n 1)
		[[ -z $last ]] || why+="; last console line: \"${last:0:120}\""
	else
		why=$(tr -d '\r' <"$log" | grep -m 1 -E 'qemu-system|error|Assertion' || true)
		[[ -n $why ]] || why="qemu exited with status $rc before init"
		why="qemu: ${why#qemu-system-x86_64: }"
		why=${why:0:200}
	fi
	rm -f "$log"
	echo "$why"
	return 1
}

# _accel_kvm_usable KERNEL_IMAGE INITRD USE_CACHE: 0 if KVM can run the
# guest; otherwise prints why.
_accel_kvm_usable() {
	local kernel=$1 initrd=$2 use_cache=$3 dir key file why
	if [[ ! -e /dev/kvm ]]; then
		echo "no /dev/kvm"
		return 1
	fi
	if [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
		echo "/dev/kvm is not readable and writable by $(id -un)"
		return 1
	fi
	dir=$(_accel_cache_dir)
	key=$(
		{
			cat /proc/sys/kernel/random/boot_id 2>/dev/null || true
			qemu-system-x86_64 --version | head -n 1
			stat -c '%n %s %Y' "$kernel"
			echo "$accel_probe_marker"
			echo "cpu=$accel_kvm_cpu limit=$accel_probe_limit"
		} | sha256sum | cut -c1-16
	)
	file=${dir:+$dir/kvm-$key}
	if ((use_cache)) && [[ -n $file && -s $file ]]; then
		why=$(<"$file")
		[[ $why == ok ]] && return 0
		echo "$why"
		return 1
	fi
	if why=$(_accel_probe_kvm "$kernel" "$initrd"); then
		[[ -z $file ]] || echo ok >"$file"
		return 0
	fi
	[[ -z $file ]] || echo "$why" >"$file"
	echo "$why"
	return 1
}

accel_choose() {
	local kernel=$1 initrd=$2 why
	accel=${TOE_VM_ACCEL:-}
	case $accel in
	"")
		if why=$(_accel_kvm_usable "$kernel" "$initrd" 1); then
			accel=kvm
		else
			accel=tcg
			echo "vm: kvm unusable here ($why); using tcg"
		fi
		;;
	kvm)
		# Asked for by name: probe afresh, and refuse rather than fall back.
		if ! why=$(_accel_kvm_usable "$kernel" "$initrd" 0); then
			echo "tests/vm/run: TOE_VM_ACCEL=kvm, but kvm cannot run the guest here ($why)" >&2
			exit 2
		fi
		;;
	tcg) ;;
	*)
		echo "tests/vm/run: TOE_VM_ACCEL must be kvm or tcg, not '$accel'" >&2
		exit 2
		;;
	esac
	case $accel in
	kvm) accel_args=(-accel kvm -cpu "$accel_kvm_cpu") ;;
	tcg) accel_args=(-accel "tcg,thread=multi" -cpu "$accel_tcg_cpu") ;;
	esac
}
