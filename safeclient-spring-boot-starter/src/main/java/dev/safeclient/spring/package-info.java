/** Spring Boot auto-configuration for safeclient. */
package dev.safeclient.spring;
