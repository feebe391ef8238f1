package io.vmqos.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.vmqos.agent.BudgetState;
import io.vmqos.agent.HostAgent;
import io.vmqos.agent.control.ControlResponse;
import io.vmqos.analysis.OfferedLoad;

import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;

/**
 * What the running agent's SLA watch last judged of one VM, for {@code vmqos vm show}: offered load per SLA direction
 * and budget per stage. Asked over the agent's control socket with the read-only request
 * {@code agent-state --vm NAME [--vm NAME...]} (any user may ask; the first name the agent has states for wins), answered as JSON.
 *
 * @param agent false when no agent runs (the lists are then empty)
 */
record SlaWatchView(boolean agent, String vm, List<Offered> offered, List<Budget> budget) {
    static final String REQUEST = "agent-state";

    /** One SLA direction's last window. */
    record Offered(String direction, double pps, long slaPps, boolean exceeds, double windowSeconds) {}

    /** One stage's last window: the share of its periods whose budget ran out, and the share of its reservation it used. */
    record Budget(String stage, int tid, String reservation, double ratio, boolean exceeds, double used, double windowSeconds) {}

    /** True for the request line this answers ({@code agent-state --vm NAME...}). */
    static boolean asks(List<String> argv) { return argv.size() >= 3 && argv.getFirst().equals(REQUEST); }

    /** The agent's answer to {@code argv}. */
    static ControlResponse answer(HostAgent agent, List<String> argv) {
        SlaWatchView v = null;
        for (int i = 1; i + 1 < argv.size(); i += 2) {
            if (!argv.get(i).equals("--vm")) return ControlResponse.error(Main.USAGE, "vmqos " + REQUEST + ": expected --vm NAME, got " + argv.get(i));
            String vm = argv.get(i + 1);
            SlaWatchView x = new SlaWatchView(true, vm,
                    agent.offeredLoads().stream().filter(o -> o.vm().equals(vm)).map(SlaWatchView::offered).toList(),
                    agent.budgets().stream().filter(b -> b.vm().equals(vm)).map(SlaWatchView::budget).toList());
            if (v == null || v.offered().isEmpty() && v.budget().isEmpty()) v = x;
        }
        if (v == null) return ControlResponse.error(Main.USAGE, "vmqos " + REQUEST + ": give --vm NAME");
        return new ControlResponse(Main.DONE, Json.write(v), "");
    }

    private static Offered offered(OfferedLoad o) { return new Offered(o.direction(), o.pps(), o.slaPps(), o.exceeds(), o.windowNs() / 1e9); }

    private static Budget budget(BudgetState b) {
        return new Budget(b.stage(), b.tid(), b.attrs().reservation().toString(), b.ratio(), b.exceeds(), b.used(), b.windowNs() / 1e9);
    }

    /** Asks the running agent about the VM by each name in turn (its configuration name first); {@code agent} false when none runs. */
    static SlaWatchView ask(List<String> names) {
        String[] argv = new String[1 + 2 * names.size()];
        argv[0] = REQUEST;
        for (int i = 0; i < names.size(); i++) {
            argv[1 + 2 * i] = "--vm";
            argv[2 + 2 * i] = names.get(i);
        }
        Optional<ControlResponse> r = Agents.forward(argv);
        if (r.isEmpty() || r.get().exit() != Main.DONE) return new SlaWatchView(false, names.getFirst(), List.of(), List.of());
        try {
            return Json.MAPPER.readValue(r.get().out(), SlaWatchView.class);
        } catch (JsonProcessingException e) {
            return new SlaWatchView(false, names.getFirst(), List.of(), List.of()); // an agent of another version
        }
    }

    /** The {@code SLA watch (agent):} section of {@code vmqos vm show}. */
    void print(PrintWriter out) {
        if (!agent) {
            out.println("SLA watch: no agent runs: the SLA watch needs vmqos agent");
            return;
        }
        out.println("SLA watch (agent, vm " + vm + "):");
        if (offered.isEmpty() && budget.isEmpty()) out.println("  nothing judged yet (no SLA or reservation, or before the agent's second interval)");
        for (Offered o : offered) {
            out.printf(java.util.Locale.ROOT, "  %s: offered %.0f pps, %s the SLA's %d pps%n", o.direction(), o.pps(), o.exceeds() ? "exceeds" : "within", o.slaPps());
        }
        for (Budget b : budget) {
            out.printf(java.util.Locale.ROOT, "  %s: budget ran out in %.1f%% of periods (%s, %.0f%% of it used)%s%n", b.stage(), b.ratio() * 100, b.reservation(),
                    b.used() * 100, b.exceeds() ? ": the reservation is too small" : "");
        }
    }
}
