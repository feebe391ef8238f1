package io.vmqos.cli;

import io.vmqos.core.InvalidInputException;
import io.vmqos.linux.ProcFs;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** {@code --tid T[,T...]} or {@code --pid P} (every thread of the process): exactly one of them. */
public final class ThreadSelection {
    @Option(names = "--tid", split = ",", paramLabel = "TID", description = "Thread id(s), comma separated.")
    List<String> tids;

    @Option(names = "--pid", paramLabel = "PID", description = "A process: every one of its threads.")
    String pid;

    /** The selected thread ids; refuses none, both, non-numbers and ids that do not exist. */
    public List<Integer> resolve(ProcFs proc) {
        if ((tids == null || tids.isEmpty()) == (pid == null)) {
            throw new InvalidInputException("--tid/--pid", tids == null && pid == null ? "neither is given" : "both are given",
                    "give either --tid T[,T...] or --pid P");
        }
        if (pid != null) {
            int p = parseId("--pid", pid);
            List<Integer> t = proc.threadsOf(p);
            if (t.isEmpty()) throw new InvalidInputException("--pid", "process " + p + " does not exist", "check the id with: ps -e");
            return t;
        }
        List<Integer> out = new ArrayList<>();
        for (String s : tids) {
            int t = parseId("--tid", s);
            if (!proc.exists(t)) {
                throw new InvalidInputException("--tid", "thread " + t + " does not exist", "check the id: a process's threads are listed in /proc/PID/task");
            }
            out.add(t);
        }
        return out;
    }

    /** The pid given, if any. */
    public Integer pidOrNull() { return pid == null ? null : parseId("--pid", pid); }

    static int parseId(String field, String text) {
        try {
            int v = Integer.parseInt(text.strip());
            if (v <= 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new InvalidInputException(field, "'" + text + "' is not a positive id", "give a number such as 1234");
        }
    }
}
