/**
 * The host side of a VM's network path, through iproute2 ({@code ip -j}, {@code tc -j}), ethtool and sysfs, each
 * call optionally inside a named network namespace ({@code null} = the caller's).
 *
 * <ul>
 *   <li>{@link io.vmqos.linux.net.IpRoute}: runs the commands through a {@link io.vmqos.linux.net.CommandRunner}
 *       (injectable for tests), parses JSON with Jackson, turns failures into
 *       {@link io.vmqos.linux.net.NetCommandException} with the fix.</li>
 *   <li>{@link io.vmqos.linux.net.NetPathDiscovery}: tap → bridge → ports, with NAPI and IRQ threads.</li>
 *   <li>{@link io.vmqos.linux.net.ThreadedNapi}: threaded NAPI on/off with GRO for veth, restorable.</li>
 *   <li>{@link io.vmqos.linux.net.LinkShaper}: per-VM HTB shaping on the tap (both directions) and on shared
 *       devices, transactional, with {@link io.vmqos.linux.net.ShapingStats} read-back.</li>
 * </ul>
 * Errors are the sealed {@link io.vmqos.linux.net.NetException} family (message = cause + fix) or
 * {@link io.vmqos.core.InvalidInputException} for bad rates/sizes/MACs.
 */
package io.vmqos.linux.net;
