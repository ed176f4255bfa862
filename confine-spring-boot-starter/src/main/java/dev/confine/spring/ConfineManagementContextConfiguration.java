package dev.confine.spring;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.context.annotation.Import;

/**
 * The gate on the management server, where Actuator runs one on a port of its own. That server
 * lives in a child context of its own, and a servlet Filter of the main context never reaches it:
 * Boot adds to each server only the filters of its own context. Actuator builds that child
 * context from the classes listed under {@code ManagementContextConfiguration} (the same annotation
 * and imports file in Boot 3.5 and 4.0), so the gate is there by construction whenever the
 * server is: no guess from the properties. The gates are the main context's, declared once.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@Import({ConfineAutoConfiguration.ServletGateConfiguration.class, ConfineAutoConfiguration.ReactiveGateConfiguration.class})
class ConfineManagementContextConfiguration {}
