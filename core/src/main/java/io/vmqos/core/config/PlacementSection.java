package io.vmqos.core.config;

import io.vmqos.core.InvalidInputException;

import java.util.Optional;

/**
 * host.yaml's {@code placement:} key: the OpenStack Placement service the agent publishes this host's deadline
 * bandwidth into. Immutable.
 *
 * @param url Placement's endpoint, e.g. {@code http://controller:8778} (http or https)
 * @param token the {@code x-auth-token} sent with every request (a Keystone token, or {@code admin} for a
 *     {@code noauth2} Placement); empty: none sent
 * @param name the name of this host's root resource provider; empty: the host name
 */
public record PlacementSection(String url, Optional<String> token, Optional<String> name) {
    public PlacementSection {
        if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
            throw new InvalidInputException("placement.url", "'" + url + "' is not an http(s) URL", "give Placement's endpoint, e.g. http://controller:8778");
        }
        token = token == null ? Optional.empty() : token;
        name = name == null ? Optional.empty() : name;
        if (name.isPresent() && (name.get().isBlank() || name.get().length() > 200)) {
            throw new InvalidInputException("placement.name", "must be 1..200 characters", "give the provider's name, or leave it out for the host name");
        }
    }
}
