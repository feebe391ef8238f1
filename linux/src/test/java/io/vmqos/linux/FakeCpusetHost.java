package io.vmqos.linux;

import io.vmqos.core.CpuList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * A fake host for the partition tests: a cgroupfs in a temp directory ({@link FakeCgroupFs}) with enough of the
 * kernel emulated (control files of new cgroups, effective CPUs, moving tasks, refusing to remove a cgroup with
 * tasks), a {@code /proc} with threads' {@code stat}, {@code cpuset} and {@code cgroup}, and
 * {@code /sys/devices/system/cpu/{online,isolated}}.
 */
final class FakeCpusetHost {
    final Path cgroup;
    final Path proc;
    final Path cpuDir;
    final FakeCgroupFs fs;
    final int version;

    private FakeCpusetHost(Path dir, int version, String online) throws IOException {
        this.version = version;
        cgroup = Files.createDirectories(dir.resolve("cgroup"));
        proc = Files.createDirectories(dir.resolve("proc"));
        cpuDir = Files.createDirectories(dir.resolve("cpu"));
        fs = new FakeCgroupFs(cgroup);
        fs.kernel = version == 1 ? new V1() : new V2();
        Files.writeString(cpuDir.resolve("online"), online + "\n");
        Files.writeString(cpuDir.resolve("isolated"), "\n");
    }

    /** A cgroup v1 cpuset hierarchy whose root balances load over {@code online}. */
    static FakeCpusetHost v1(Path dir, String online) throws IOException {
        FakeCpusetHost h = new FakeCpusetHost(dir, 1, online);
        h.fs.file("cpuset.cpus", online);
        h.fs.file("cpuset.effective_cpus", online);
        h.fs.file("cpuset.mems", "0");
        h.fs.file("cpuset.cpu_exclusive", "1");
        h.fs.file(CpusetV1Partitions.LOAD_BALANCE, "1");
        h.fs.file("tasks", "");
        return h;
    }

    /** A cgroup v2 hierarchy with the cpuset controller available at the root (not enabled for children). */
    static FakeCpusetHost v2(Path dir, String online) throws IOException {
        FakeCpusetHost h = new FakeCpusetHost(dir, 2, online);
        h.fs.file("cgroup.controllers", "cpuset cpu io memory pids");
        h.fs.file("cgroup.subtree_control", "memory");
        h.fs.file("cpuset.cpus.effective", online);
        h.fs.file("cgroup.procs", "");
        h.fs.file("cgroup.threads", "");
        return h;
    }

    CpusetHierarchy hierarchy() { return new CpusetHierarchy(cgroup, version, fs); }

    ProcFs procFs() { return new ProcFs(proc); }

    /** A thread of process {@code pid} in the root cgroup, last run on {@code cpu}, with scheduling policy {@code policy}. */
    void thread(int pid, int tid, int cpu, int policy) throws IOException {
        Path t = Files.createDirectories(proc.resolve(Integer.toString(tid)));
        String[] f = new String[52];
        Arrays.fill(f, "0");
        f[39] = Integer.toString(cpu);
        f[41] = Integer.toString(policy);
        Files.writeString(t.resolve("stat"), tid + " (vq thread) " + String.join(" ", Arrays.copyOfRange(f, 3, 52)) + "\n");
        Files.writeString(t.resolve("cpuset"), "/\n");
        Files.writeString(t.resolve("cgroup"), "0::/\n");
        Files.writeString(t.resolve("status"), "Name:\tvq thread\nTgid:\t" + pid + "\n");
        append(cgroup.resolve(version == 1 ? "tasks" : "cgroup.threads"), tid);
        if (version == 2 && pid == tid) append(cgroup.resolve("cgroup.procs"), pid);
    }

    String read(String rel) throws IOException { return fs.content(rel); }

    /** Every file and directory below the cgroup root with its content: compare before and after to see what changed. */
    List<String> snapshot() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(cgroup)) {
            for (Path p : s.sorted().toList()) {
                String rel = cgroup.relativize(p).toString();
                out.add(Files.isDirectory(p) ? rel + "/" : rel + " = " + Files.readString(p).strip());
            }
        }
        return out;
    }

    /** Adds {@code id} to a task list file, kept sorted so that a round trip gives the same file. */
    private static void append(Path file, int id) throws IOException {
        java.util.TreeSet<Integer> ids = new java.util.TreeSet<>();
        if (Files.exists(file)) for (String l : Files.readString(file).strip().split("\\s+")) if (!l.isEmpty()) ids.add(Integer.parseInt(l));
        ids.add(id);
        StringBuilder sb = new StringBuilder();
        for (int i : ids) sb.append(i).append('\n');
        Files.writeString(file, sb.toString());
    }

    private static void remove(Path file, String id) throws IOException {
        if (!Files.exists(file)) return;
        List<String> ids = new ArrayList<>(Files.readString(file).strip().lines().toList());
        ids.remove(id);
        Files.writeString(file, String.join("\n", ids) + (ids.isEmpty() ? "" : "\n"));
    }

    /** Moves thread {@code id} into {@code dir}'s {@code file}: out of every other cgroup's, and /proc/ID/cpuset follows. */
    private void moveTask(Path dir, String file, String id) throws IOException {
        if (!Files.isDirectory(proc.resolve(id))) throw new IOException("No such process");
        try (Stream<Path> s = Files.walk(cgroup)) {
            for (Path f : s.filter(p -> p.getFileName().toString().equals(file)).toList()) remove(f, id);
        }
        append(dir.resolve(file), Integer.parseInt(id));
        String path = "/" + cgroup.relativize(dir);
        Files.writeString(proc.resolve(id).resolve("cpuset"), (path.equals("/") ? "/" : path) + "\n");
        Files.writeString(proc.resolve(id).resolve("cgroup"), "0::" + (path.equals("/") ? "/" : path) + "\n");
    }

    private static boolean hasTasks(Path dir, String file) throws IOException {
        return Files.exists(dir.resolve(file)) && !Files.readString(dir.resolve(file)).isBlank();
    }

    private static void put(Path dir, String name, String value) {
        try {
            Files.writeString(dir.resolve(name), value + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** cgroup v1 cpuset: a new cpuset has no CPUs or memory nodes, cpuset.cpus is also the effective set. */
    private final class V1 implements FakeCgroupFs.Kernel {
        @Override public void mkdir(Path dir) {
            for (String f : List.of("cpuset.cpus", "cpuset.effective_cpus", "cpuset.mems", "tasks")) put(dir, f, "");
            put(dir, "cpuset.cpu_exclusive", "0");
            put(dir, CpusetV1Partitions.LOAD_BALANCE, "1");
        }

        @Override public boolean write(Path file, String value) throws IOException {
            Path dir = file.getParent();
            switch (file.getFileName().toString()) {
                case "cpuset.cpus" -> {
                    put(dir, "cpuset.cpus", value);
                    put(dir, "cpuset.effective_cpus", value);
                    return true;
                }
                case "tasks" -> {
                    if (Files.readString(dir.resolve("cpuset.cpus")).isBlank()) throw new IOException("No space left on device");
                    moveTask(dir, "tasks", value);
                    return true;
                }
                default -> { return false; }
            }
        }

        @Override public void rmdir(Path dir) throws IOException {
            if (hasTasks(dir, "tasks")) throw new IOException("Device or resource busy");
        }
    }

    /**
     * cgroup v2: the cpuset files appear where the parent enables +cpuset; a valid "root" partition takes its CPUs from
     * the root cgroup's effective CPUs (a remote partition needs them in its parent's cpuset.cpus.exclusive).
     */
    private final class V2 implements FakeCgroupFs.Kernel {
        @Override public void mkdir(Path dir) {
            put(dir, "cgroup.type", "domain");
            put(dir, "cgroup.subtree_control", "");
            put(dir, "cgroup.procs", "");
            put(dir, "cgroup.threads", "");
            if (parentEnablesCpuset(dir)) addCpusetFiles(dir);
        }

        private boolean parentEnablesCpuset(Path dir) {
            try {
                return (" " + Files.readString(dir.getParent().resolve("cgroup.subtree_control")).strip() + " ").contains(" cpuset ");
            } catch (IOException e) {
                return false;
            }
        }

        private void addCpusetFiles(Path dir) {
            for (String f : List.of("cpuset.cpus", "cpuset.cpus.exclusive", "cpuset.mems")) put(dir, f, "");
            put(dir, "cpuset.cpus.partition", "member");
            Path parentEff = dir.getParent().resolve("cpuset.cpus.effective");
            try {
                put(dir, "cpuset.cpus.effective", Files.readString(parentEff).strip());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private String rootEffective() {
            try {
                return Files.readString(cgroup.resolve("cpuset.cpus.effective")).strip();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override public boolean write(Path file, String value) throws IOException {
            Path dir = file.getParent();
            switch (file.getFileName().toString()) {
                case "cgroup.subtree_control" -> {
                    List<String> on = new ArrayList<>(List.of(Files.readString(file).strip().split("\\s+")));
                    on.removeIf(String::isEmpty);
                    String name = value.substring(1);
                    on.remove(name);
                    if (value.startsWith("+")) on.addFirst(name);
                    if (name.equals("cpuset")) {
                        try (Stream<Path> s = Files.list(dir)) {
                            for (Path c : s.filter(Files::isDirectory).toList()) {
                                if (value.startsWith("+")) {
                                    if (!Files.exists(c.resolve("cpuset.cpus"))) addCpusetFiles(c);
                                } else if (Files.readString(c.resolve("cgroup.subtree_control")).contains("cpuset")) {
                                    throw new IOException("Device or resource busy"); // a child still hands cpuset down
                                } else {
                                    for (String f : List.of("cpuset.cpus", "cpuset.cpus.exclusive", "cpuset.mems", "cpuset.cpus.partition", "cpuset.cpus.effective")) {
                                        Files.deleteIfExists(c.resolve(f));
                                    }
                                }
                            }
                        }
                    }
                    put(dir, "cgroup.subtree_control", String.join(" ", on));
                    return true;
                }
                case "cpuset.cpus" -> {
                    put(dir, "cpuset.cpus", value);
                    if (!Files.readString(dir.resolve("cpuset.cpus.partition")).strip().equals("root")) put(dir, "cpuset.cpus.effective", value);
                    return true;
                }
                case "cpuset.cpus.partition" -> {
                    partition(dir, value);
                    return true;
                }
                case "cgroup.threads" -> {
                    moveTask(dir, "cgroup.threads", value);
                    return true;
                }
                case "cgroup.procs" -> { // the whole process: its pid and every thread
                    moveTask(dir, "cgroup.procs", value);
                    try (Stream<Path> s = Files.list(proc)) {
                        for (Path t : s.toList()) {
                            if (Files.readString(t.resolve("status")).contains("Tgid:\t" + value + "\n")) moveTask(dir, "cgroup.threads", t.getFileName().toString());
                        }
                    }
                    return true;
                }
                default -> { return false; }
            }
        }

        private void partition(Path dir, String value) throws IOException {
            java.util.BitSet root = CpuList.parse(rootEffective());
            java.util.BitSet cpus = CpuList.parse(Files.readString(dir.resolve("cpuset.cpus")));
            String before = Files.readString(dir.resolve("cpuset.cpus.partition")).strip();
            if (value.equals("root") && !before.equals("root")) {
                // local under the root; remote (parent no partition) only with the CPUs in the parent's cpuset.cpus.exclusive
                boolean local = dir.getParent().equals(cgroup);
                java.util.BitSet parentExcl = local ? root : CpuList.parse(Files.readString(dir.getParent().resolve("cpuset.cpus.exclusive")));
                java.util.BitSet left = (java.util.BitSet) root.clone();
                left.andNot(cpus);
                if (cpus.isEmpty() || !subset(cpus, parentExcl) || left.isEmpty() || !subset(cpus, root)) {
                    put(dir, "cpuset.cpus.partition", "root invalid (Parent unable to distribute cpu downstream)");
                    return;
                }
                put(cgroup, "cpuset.cpus.effective", CpuList.format(left));
                put(dir, "cpuset.cpus.effective", CpuList.format(cpus));
            } else if (value.equals("member") && before.equals("root")) {
                root.or(cpus);
                put(cgroup, "cpuset.cpus.effective", CpuList.format(root));
                put(dir, "cpuset.cpus.effective", CpuList.format(root));
            }
            put(dir, "cpuset.cpus.partition", value);
        }

        private static boolean subset(java.util.BitSet a, java.util.BitSet b) {
            java.util.BitSet x = (java.util.BitSet) a.clone();
            x.andNot(b);
            return x.isEmpty();
        }

        @Override public void rmdir(Path dir) throws IOException {
            if (hasTasks(dir, "cgroup.threads") || hasTasks(dir, "cgroup.procs")) throw new IOException("Device or resource busy");
            if (Files.exists(dir.resolve("cpuset.cpus.partition")) && Files.readString(dir.resolve("cpuset.cpus.partition")).strip().equals("root")) {
                partition(dir, "member");
            }
        }
    }
}
