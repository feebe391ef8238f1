package io.vmqos.linux.net;

import io.vmqos.core.CpuList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code /proc/interrupts} (system-wide, not per network namespace) and {@code /proc/irq/N/smp_affinity_list},
 * and writes the latter ({@link #setAffinity}). Thread-safe; each call rereads.
 */
public final class Interrupts implements IrqAffinity {
    private final Path proc;

    public Interrupts() { this(Path.of("/proc")); }

    public Interrupts(Path proc) { this.proc = proc; }

    /** Numbered IRQs and their action names (comma-separated names joined by ","), in file order. */
    public Map<Integer, List<String>> actions() {
        String text;
        try {
            text = Files.readString(proc.resolve("interrupts"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + proc.resolve("interrupts"), e);
        }
        return parse(text);
    }

    /** The CPUs an IRQ may run on, e.g. {@code 0-1}, or "" when unreadable. */
    @Override
    public String affinity(int irq) {
        try {
            return Files.readString(proc.resolve("irq/" + irq + "/smp_affinity_list")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Moves an IRQ to {@code cpus} (a CPU list such as {@code 0-1}) and reads it back. Idempotent.
     *
     * @throws IrqAffinityException the kernel refused it (managed IRQ, offline CPUs), or the read-back differs
     */
    @Override
    public void setAffinity(int irq, String cpus) {
        Path f = proc.resolve("irq/" + irq + "/smp_affinity_list");
        try {
            Files.writeString(f, cpus + "\n");
        } catch (IOException e) {
            throw new IrqAffinityException(irq, cpus, "writing " + f + " failed: " + e.getMessage(), e);
        }
        String now = affinity(irq);
        if (!io.vmqos.core.CpuList.parse(now).equals(io.vmqos.core.CpuList.parse(cpus))) throw new IrqAffinityException(irq, cpus, "the kernel kept it on " + now, null);
    }

    static Map<Integer, List<String>> parse(String text) {
        String[] lines = text.split("\n");
        if (lines.length == 0) return Map.of();
        int cpus = lines[0].trim().split("\\s+").length;
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            int irq;
            try {
                irq = Integer.parseInt(line.substring(0, colon).trim());
            } catch (NumberFormatException named) {
                continue; // NMI, LOC, ... are not device IRQs
            }
            String[] tok = line.substring(colon + 1).trim().split("\\s+");
            // tok: cpus counters, chip name, [hwirq-trigger], action names separated by ", "
            List<String> names = new ArrayList<>();
            for (int t = Math.min(cpus + 1, tok.length); t < tok.length; t++) {
                String name = tok[t].endsWith(",") ? tok[t].substring(0, tok[t].length() - 1) : tok[t];
                if (name.matches("\\d+-(edge|level|fasteoi)|\\d+-.*edge|\\d+-.*level") && names.isEmpty()) continue;
                if (!name.isEmpty()) names.add(name);
            }
            out.put(irq, names);
        }
        return out;
    }

    /**
     * True when an action name belongs to {@code owner}: equal to it, or the owner followed by a separator
     * ({@code eth0-TxRx-0}, {@code virtio2-input.0}, {@code mlx5_comp0@pci:...} is matched by its PCI address).
     * {@code virtio2} does not match {@code virtio20-input.0}.
     */
    static boolean belongsTo(String action, String owner) {
        if (!action.startsWith(owner)) return false;
        if (action.length() == owner.length()) return true;
        char c = action.charAt(owner.length());
        return c == '-' || c == '@' || c == ':' || c == '_' || c == '.';
    }
}
