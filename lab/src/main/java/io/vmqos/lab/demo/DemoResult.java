package io.vmqos.lab.demo;

import io.vmqos.core.Reservation;
import io.vmqos.lab.report.ReportWriter;
import io.vmqos.lab.report.ScenarioResult;

import java.util.List;

/**
 * What a demo run produced: per-scenario rounds, the report's files, the reservations used in noisy+vmqos, the
 * accelerator the guest ran under, its boot time (ms), the console table and the guaranteed bound of noisy+vmqos.
 */
public record DemoResult(List<ScenarioResult> scenarios, ReportWriter.ReportFiles files, Reservation vcpu, Reservation io,
                         String accel, long bootMillis, String table, DemoBound.Bound bound) {}
