/**
 * The OpenFlow classifier, apart from the rule model it indexes: one immutable {@link RuleTable}
 * per OpenFlow table (tuple space search over {@code Subtable}s, staged lookup), the persistent
 * {@link PrefixTrie}s over the {@link TrieField}s, and the {@link Prerequisite}s a match must
 * establish before a field means anything. A lookup returns the best rule and records every key
 * bit it consulted, which is what keeps megaflows wide (as OVS's {@code lib/classifier.c}).
 *
 * <p>Rules, matches, groups, actions and the published pipeline stay in {@code ofproto}: the
 * classifier stores {@code ofproto.Rule}s and reads their {@code Match}es, and a
 * {@code ofproto.PipelineVersion} version holds one table per OpenFlow table, so the two packages know
 * each other, as OVS's {@code cls_rule} sits inside its {@code rule}.
 */
package io.flowgate.slowpath.classifier;
