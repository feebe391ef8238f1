package io.vmqos.testing;

import io.vmqos.core.SchedAttributes;
import io.vmqos.linux.SchedException;
import io.vmqos.linux.ThreadScheduler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/** An in-memory scheduler: threads are map entries; a hook can refuse any set. Records every syscall. */
public final class FakeScheduler implements ThreadScheduler {
    public final Map<Integer, SchedAttributes> threads = new HashMap<>();
    public final List<String> calls = new ArrayList<>();
    /** Returns an exception to throw for (tid, attrs), or null to accept. */
    public BiFunction<Integer, SchedAttributes, RuntimeException> refuse = (t, a) -> null;

    public FakeScheduler with(int tid, SchedAttributes a) { threads.put(tid, a); return this; }

    @Override
    public SchedAttributes get(int tid) {
        calls.add("get " + tid);
        SchedAttributes a = threads.get(tid);
        if (a == null) throw new SchedException.ThreadGone(tid, "gone");
        return a;
    }

    @Override
    public void set(int tid, SchedAttributes a) {
        calls.add("set " + tid + " " + a.describe());
        if (!threads.containsKey(tid)) throw new SchedException.ThreadGone(tid, "gone");
        RuntimeException e = refuse.apply(tid, a);
        if (e != null) throw e;
        threads.put(tid, a);
    }

    public long setCalls() { return calls.stream().filter(c -> c.startsWith("set")).count(); }
}
