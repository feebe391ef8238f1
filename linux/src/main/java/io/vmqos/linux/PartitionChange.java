package io.vmqos.linux;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;

/**
 * What one {@link CpuPartitions#plan} decided to change in the cpuset tree, in the order it is applied, so that
 * {@link CpuPartitions#undo} can put the tree back exactly, also from another process after a crash: a plain
 * immutable value of strings, ints, booleans and lists ({@link #toJson()} / {@link #fromJson(String)}).
 *
 * <p>Store it before {@link CpuPartitions#apply} runs: apply and undo are idempotent, so undoing a change that was
 * applied only halfway (the process died in between) removes what exists and skips the rest.
 *
 * @param cgroupVersion 1 or 2, the hierarchy the steps are for
 * @param hierarchy the mount point of that cpuset hierarchy, e.g. {@code /sys/fs/cgroup/cpuset}
 * @param cpus the CPUs asked to be partitions of their own, ascending (also when they already were)
 * @param steps the changes, in apply order; empty when every CPU already was a partition ({@link #changesNothing()})
 */
public record PartitionChange(int cgroupVersion, String hierarchy, List<Integer> cpus, List<Step> steps) {
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public PartitionChange {
        cpus = List.copyOf(cpus);
        steps = List.copyOf(steps);
    }

    /**
     * One change of the tree. Paths are relative to the hierarchy's mount point and start with {@code /}.
     *
     * @param action {@link #MKDIR} (undo: move the tasks still inside to {@code undoValue}, then rmdir) or
     *     {@link #WRITE} (one write of {@code value} to the control file {@code path})
     * @param value what is written; "" for mkdir
     * @param undo for a write: true when undo writes {@code undoValue} back (files of pre-existing cgroups); false
     *     for files of cgroups this change creates (they vanish with their directory). Always true for mkdir.
     * @param undoValue a write's previous value (or the inverse command, {@code -cpuset} for {@code +cpuset});
     *     for mkdir the cgroup its tasks go back to
     */
    public record Step(String action, String path, String value, boolean undo, String undoValue) {
        public static final String MKDIR = "mkdir";
        public static final String WRITE = "write";

        /** Creates cgroup {@code path}; undo moves its tasks to {@code fallback} and removes it. */
        public static Step mkdir(String path, String fallback) { return new Step(MKDIR, path, "", true, fallback); }

        /** A write to a file of a cgroup this change creates (not restored on its own). */
        public static Step write(String path, String value) { return new Step(WRITE, path, value, false, ""); }

        /** A write to a file that existed before; undo writes {@code undoValue}. */
        public static Step change(String path, String value, String undoValue) { return new Step(WRITE, path, value, true, undoValue); }

        /** For people: {@code mkdir /vmqos-cpu1}, {@code /cpuset.sched_load_balance = 0 (was 1)}. */
        public String describe() {
            if (action.equals(MKDIR)) return "mkdir " + path;
            return path + " = " + value + (undo ? " (undo: " + undoValue + ")" : "");
        }
    }

    /** True when applying it changes nothing: every CPU already was a vmqos partition. */
    public boolean changesNothing() { return steps.isEmpty(); }

    /** The change as one line of JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a PartitionChange as JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a change written by {@link #toJson()}.
     *
     * @throws IllegalArgumentException naming the problem when the text is not such a change
     */
    public static PartitionChange fromJson(String json) {
        try {
            PartitionChange c = JSON.readValue(json, PartitionChange.class);
            if (c == null || c.steps() == null) throw new IllegalArgumentException("not a vmqos partition change: " + json);
            return c;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a vmqos partition change (" + e.getOriginalMessage() + "): " + json, e);
        }
    }
}
