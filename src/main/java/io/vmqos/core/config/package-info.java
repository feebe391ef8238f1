/**
 * The host configuration ({@code vmqos plan|apply|release -f host.yaml}) as values: what the operator asked for,
 * already checked for units and impossible values by {@code io.vmqos.host.config.HostConfigParser}. Pure, no I/O.
 */
package io.vmqos.core.config;
