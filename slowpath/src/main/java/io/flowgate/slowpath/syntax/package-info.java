/**
 * The ovs-ofctl language, read and printed in one place: rules ({@link FlowSyntax}), actions
 * ({@code ActionSyntax}), groups ({@link GroupSyntax}) and the match printer ({@link FlowFormat}).
 *
 * <p>Why here and not in the fast path: the printer needs only the {@code FlowKey} layout, but the
 * reader builds the slow path's rule model ({@code ofproto.Match}, {@code OfAction}), which the
 * fast path cannot see (modules depend downward only). The fast path never prints this syntax:
 * its own language is the datapath (ODP) syntax of {@code fastpath.odp}, and the value text both
 * languages share (addresses, prefixes, TCP flag names) is {@code fastpath.flow.FieldText}.
 */
package io.flowgate.slowpath.syntax;
