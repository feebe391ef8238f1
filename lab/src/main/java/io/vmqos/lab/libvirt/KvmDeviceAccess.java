package io.vmqos.lab.libvirt;

import io.vmqos.lab.LabSetupException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Opens /dev/kvm to group {@code kvm} (mode g+rw), as Debian's udev rules do, and puts the original group and mode
 * back on {@link #restore()}.
 *
 * <p>Why: libvirt probes QEMU's capabilities with CAP_DAC_OVERRIDE, so the probe sees KVM; but each later lookup
 * re-checks that the QEMU user itself can open /dev/kvm. On a host where /dev/kvm is root:root 0600 that check
 * fails, libvirt discards its capability cache and re-probes QEMU a dozen times (about 48 s on every
 * {@code virsh create}). With the QEMU user in group kvm and /dev/kvm g+rw the cache stays valid (under 1 s).
 * The lab domain still runs under TCG ({@code type='qemu'}). Not thread-safe; owned by {@link LibvirtLab}.
 */
final class KvmDeviceAccess {
    static final Path DEVICE = Path.of("/dev/kvm");
    static final String GROUP = "kvm";

    private final GroupPrincipal originalGroup;
    private final Set<PosixFilePermission> originalMode;
    private final GroupPrincipal grantedGroup;
    private final Set<PosixFilePermission> grantedMode;

    private KvmDeviceAccess(GroupPrincipal og, Set<PosixFilePermission> om, GroupPrincipal gg, Set<PosixFilePermission> gm) {
        this.originalGroup = og;
        this.originalMode = om;
        this.grantedGroup = gg;
        this.grantedMode = gm;
    }

    /**
     * Gives group {@link #GROUP} read/write on /dev/kvm if it lacks it. Returns null when nothing had to change
     * (or there is no /dev/kvm), else the handle to restore.
     */
    static KvmDeviceAccess grant() {
        if (!Files.exists(DEVICE)) return null;
        try {
            PosixFileAttributeView view = Files.getFileAttributeView(DEVICE, PosixFileAttributeView.class);
            PosixFileAttributes a = view.readAttributes();
            GroupPrincipal kvm = DEVICE.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(GROUP);
            boolean groupOk = a.group().equals(kvm);
            boolean modeOk = a.permissions().contains(PosixFilePermission.GROUP_READ) && a.permissions().contains(PosixFilePermission.GROUP_WRITE);
            if (groupOk && modeOk) return null;
            Set<PosixFilePermission> mode = EnumSet.copyOf(a.permissions());
            mode.add(PosixFilePermission.GROUP_READ);
            mode.add(PosixFilePermission.GROUP_WRITE);
            view.setGroup(kvm);
            view.setPermissions(mode);
            return new KvmDeviceAccess(a.group(), Set.copyOf(a.permissions()), kvm, Set.copyOf(mode));
        } catch (IOException e) {
            throw new LabSetupException("cannot give group " + GROUP + " access to " + DEVICE + ": " + e,
                    "as root run: chgrp kvm /dev/kvm && chmod g+rw /dev/kvm", e);
        }
    }

    /** What {@link #grant()} changed, e.g. "/dev/kvm root:root rw------- -> group kvm rw-rw----". */
    String describe() {
        return DEVICE + " group " + originalGroup.getName() + " " + java.nio.file.attribute.PosixFilePermissions.toString(originalMode)
                + " -> group " + grantedGroup.getName() + " " + java.nio.file.attribute.PosixFilePermissions.toString(grantedMode);
    }

    /** The mode as chmod's octal digits, e.g. "600". */
    static String octal(Set<PosixFilePermission> mode) {
        int bits = 0;
        for (PosixFilePermission p : mode) bits |= 1 << (8 - p.ordinal()); // OWNER_READ is ordinal 0 = 0400
        return Integer.toOctalString(bits);
    }

    /** Puts the original group and mode back, unless someone changed them again since {@link #grant()}. */
    void restore() {
        try {
            PosixFileAttributeView view = Files.getFileAttributeView(DEVICE, PosixFileAttributeView.class);
            PosixFileAttributes a = view.readAttributes();
            if (!a.group().equals(grantedGroup) || !a.permissions().equals(grantedMode)) return;
            view.setPermissions(originalMode);
            view.setGroup(originalGroup);
        } catch (IOException e) {
            throw new LabSetupException("cannot restore " + DEVICE + " (" + describe() + "): " + e,
                    "as root run: chgrp " + originalGroup.getName() + " /dev/kvm && chmod " + octal(originalMode) + " /dev/kvm", e);
        }
    }
}
