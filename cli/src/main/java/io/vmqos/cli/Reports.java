package io.vmqos.cli;

import io.vmqos.host.ApplyReport;
import io.vmqos.host.LedgerRepair;
import io.vmqos.host.ThreadOutcome;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Text and JSON renderings of command results. */
final class Reports {
    private Reports() {}

    static void printApply(PrintWriter out, ApplyReport report, boolean json, String verb) {
        if (json) {
            Json.print(out, applyJson(report));
            return;
        }
        printApplyText(out, report, verb);
    }

    /** The JSON form of an apply: changed count, threads before/after, ledger repair. */
    static Map<String, Object> applyJson(ApplyReport report) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("changed", report.changed());
        List<Map<String, Object>> threads = new ArrayList<>();
        for (ThreadOutcome o : report.outcomes()) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("tid", o.tid());
            t.put("name", o.label());
            t.put("changed", o.changed());
            t.put("before", ThreadView.of(o.tid(), o.label(), o.before(), ""));
            t.put("after", ThreadView.of(o.tid(), o.label(), o.after(), ""));
            threads.add(t);
        }
        m.put("threads", threads);
        m.put("ledgerRepair", repairJson(report.repair()));
        return m;
    }

    /** A ledger repair as JSON: bandwidths in kernel units (2^-20 CPU). */
    private static Map<String, Object> repairJson(LedgerRepair r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("leakedBefore", r.leakedBefore().kernelUnits());
        m.put("leakedAfter", r.leakedAfter().kernelUnits());
        m.put("repaired", r.repaired());
        m.put("method", r.method());
        return m;
    }

    /** The text form of an apply: one line per thread, then the count. */
    static void printApplyText(PrintWriter out, ApplyReport report, String verb) {
        printApplyText(out, report, verb, !report.outcomes().isEmpty());
    }

    /** A reconcile's result: JSON (threads, steps, notes), or text (notes, steps, one line per thread, the count). */
    static void printOutcome(PrintWriter out, io.vmqos.host.service.HostService.Outcome o, boolean json, String verb) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>(applyJson(o.report()));
            m.put("steps", o.done());
            m.put("notes", o.notes());
            Json.print(out, m);
            return;
        }
        printSteps(out, o);
        printApplyText(out, o.report(), verb, o.desired() != null && !o.desired().threads().isEmpty());
    }

    /** The steps a reconcile ran other than thread changes (NAPI, partitions, pinning, IRQs, shaping), and its notes. */
    static void printSteps(PrintWriter out, io.vmqos.host.service.HostService.Outcome o) {
        for (String n : o.notes()) out.printf("note: %s%n", n);
        for (String s : o.done()) if (!s.startsWith("reserve ") && !s.startsWith("release ") && !s.startsWith("record:")) out.printf("done: %s%n", s);
    }

    /**
     * The text form: one line per thread changed, then the count.
     *
     * @param asked true when some thread was to be changed (so that "0 changed" reads "already as asked")
     */
    static void printApplyText(PrintWriter out, ApplyReport report, String verb, boolean asked) {
        for (ThreadOutcome o : report.outcomes()) {
            out.printf("%-8d %-16s %s%s%n", o.tid(), o.label(),
                    o.changed() ? o.before().describe() + " -> " : "unchanged ", o.after().describe());
        }
        out.printf("%s %d thread(s)%s%n", verb, report.changed(), report.changed() == 0 && asked ? " (already as asked)" : "");
        if (report.repair().repaired()) {
            out.printf("ledger: the kernel had leaked %s of a CPU; root domains rebuilt (%s), leak now %s%n",
                    report.repair().leakedBefore().percent(), report.repair().method(),
                    report.repair().leakedAfter().percent());
        }
        out.flush();
    }
}
