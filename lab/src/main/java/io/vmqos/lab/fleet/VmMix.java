package io.vmqos.lab.fleet;

import io.vmqos.core.StageKind;
import io.vmqos.core.config.DirectionSla;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.config.VmFile;
import io.vmqos.core.config.VmLocator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * The simulation's VMs, drawn from a stated distribution with a seed (the same seed gives the same VMs). Each VM has the
 * same SLA in both directions (request and reply: rx and tx), packet rates rounded to 100 pps:
 *
 * <table>
 *   <tr><th>class</th><th>share</th><th>rate per direction</th><th>packet</th><th>burst</th><th>latency</th><th>vCPUs</th></tr>
 *   <tr><td>small</td><td>50%</td><td>500–3000 pps</td><td>64, 256 or 512 B</td><td>8</td><td>10 or 20 ms</td><td>1–2</td></tr>
 *   <tr><td>medium</td><td>35%</td><td>3000–15000 pps</td><td>512 or 1500 B</td><td>16</td><td>5 or 10 ms</td><td>2–4</td></tr>
 *   <tr><td>large</td><td>15%</td><td>15000–40000 pps</td><td>1500 B</td><td>32</td><td>2 or 5 ms</td><td>4–8</td></tr>
 * </table>
 *
 * Uniform within each range; memory 2 GiB per vCPU; mean use uniform in 10–50% of the SLA rate. Pure.
 */
public final class VmMix {
    private VmMix() {}

    /** {@code n} VMs named {@code vm0000...}, drawn with {@code seed}. */
    public static List<SimVm> draw(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<SimVm> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double c = rnd.nextDouble();
            String cls;
            long rate;
            int size, vcpus;
            long burst, latencyMs;
            if (c < 0.50) {
                cls = "small";
                rate = round100(rnd.nextLong(500, 3001));
                size = new int[] {64, 256, 512}[rnd.nextInt(3)];
                burst = 8;
                latencyMs = rnd.nextBoolean() ? 10 : 20;
                vcpus = rnd.nextInt(1, 3);
            } else if (c < 0.85) {
                cls = "medium";
                rate = round100(rnd.nextLong(3000, 15001));
                size = rnd.nextBoolean() ? 512 : 1500;
                burst = 16;
                latencyMs = rnd.nextBoolean() ? 5 : 10;
                vcpus = rnd.nextInt(2, 5);
            } else {
                cls = "large";
                rate = round100(rnd.nextLong(15000, 40001));
                size = 1500;
                burst = 32;
                latencyMs = rnd.nextBoolean() ? 2 : 5;
                vcpus = rnd.nextInt(4, 9);
            }
            double meanUse = 0.10 + 0.40 * rnd.nextDouble();
            String name = String.format(java.util.Locale.ROOT, "vm%04d", i);
            DirectionSla d = new DirectionSla(new DirectionSla.PacketsPerSecond(rate), size, burst, latencyMs * 1_000_000L);
            VmConfig vm = new VmConfig(name, new VmLocator.Domain(name), Optional.of(d), Optional.of(d), Map.<StageKind, io.vmqos.core.Reservation>of(), Optional.empty());
            UUID uuid = UUID.nameUUIDFromBytes(("vmqos-fleet-vm/" + seed + "/" + name).getBytes(StandardCharsets.UTF_8));
            out.add(new SimVm(uuid, new VmFile(vm, Optional.empty(), vcpus, 2048L * vcpus), cls, meanUse));
        }
        return out;
    }

    private static long round100(long pps) { return Math.max(100, Math.round(pps / 100.0) * 100); }
}
