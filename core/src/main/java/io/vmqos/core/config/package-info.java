/**
 * The host configuration ({@code vmqos plan|apply|release -f host.yaml}) as values: what the operator asked for,
 * already checked for units and impossible values by the host layer's configuration parser. Pure, no I/O.
 */
package io.vmqos.core.config;
