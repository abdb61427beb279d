/**
 * The datapath's language, Open vSwitch's ODP flow syntax, read and printed in one place:
 * {@link OdpFormat} prints flow keys and datapath actions as {@code dpctl/dump-flows} shows them,
 * {@link OdpFlowParser} reads a key back ({@code netdev-dummy/receive}, {@code ofproto/trace}).
 * The action encoding itself ({@code fastpath.action.DpActions}) holds no text.
 */
package io.flowgate.fastpath.odp;
