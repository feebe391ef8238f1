package io.vmqos.linux;

import io.vmqos.core.CpuList;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.BitSet;

/** CPU list files of sysfs ({@code /sys/devices/system/cpu/online}, {@code isolated}), read into CPU sets. */
public final class CpuFiles {
    private CpuFiles() {}

    /**
     * Reads a CPU list file such as {@code /sys/devices/system/cpu/online}.
     *
     * @param required when false, a missing file is the empty set (e.g. {@code isolated} on older kernels)
     * @throws LedgerUnavailableException when the file cannot be read (or is missing and required), naming it
     */
    public static BitSet read(Path file, boolean required) {
        try {
            return CpuList.parse(Files.readString(file));
        } catch (NoSuchFileException e) {
            if (required) throw new LedgerUnavailableException(file + " does not exist; fix: mount sysfs", e);
            return new BitSet();
        } catch (IOException e) {
            throw new LedgerUnavailableException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

}
