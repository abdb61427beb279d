/** Logging in the manner of Open vSwitch's vlog, behind the JDK's platform logging API. */
package io.flowgate.daemon.log;
