package io.github.cameld1backup.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * BACKUP_API_ALLOW: the client addresses the guarded API answers. Addresses and ranges, and the word
 * {@value #GITHUB_ACTIONS} for GitHub's Actions runners, whose ranges {@link GithubActionsRanges}
 * fetches and refreshes. Empty: every address. Until the first good GitHub list arrives, the word
 * admits nobody (the other entries still admit their addresses): an unreachable meta API never opens
 * the API to everyone.
 */
public final class AllowList {

    public static final String GITHUB_ACTIONS = "github-actions";

    private final AddressRanges fixed;
    private final GithubActionsRanges github;
    private final boolean everyone;

    private AllowList(AddressRanges fixed, GithubActionsRanges github, boolean everyone) {
        this.fixed = fixed;
        this.github = github;
        this.everyone = everyone;
    }

    /**
     * The allow-list of these entries; {@code github} serves {@value #GITHUB_ACTIONS} (an entry of that
     * word with no source given is a start-up error).
     */
    public static AllowList parse(List<String> entries, GithubActionsRanges github) {
        List<AddressRanges.Cidr> cidrs = new ArrayList<>();
        boolean githubActions = false;
        for (String entry : entries) {
            if (entry.toLowerCase(Locale.ROOT).equals(GITHUB_ACTIONS)) {
                githubActions = true;
                continue;
            }
            try {
                cidrs.add(AddressRanges.Cidr.parse(entry));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("BACKUP_API_ALLOW (backup.api.allow) must list addresses or ranges"
                        + " such as 203.0.113.7 or 10.0.0.0/8, or " + GITHUB_ACTIONS + ", got '" + entry + "'");
            }
        }
        if (githubActions && github == null) {
            throw new IllegalArgumentException("BACKUP_API_ALLOW (backup.api.allow) names " + GITHUB_ACTIONS
                    + ", but no GitHub meta source is set up");
        }
        return new AllowList(AddressRanges.of(cidrs), githubActions ? github : null, entries.isEmpty());
    }

    /** Whether the API answers this client address (as the server reports it: a literal). */
    public boolean admits(String client) {
        if (everyone) {
            return true;
        }
        Optional<byte[]> address = AddressRanges.literal(client);
        return address.isPresent() && (fixed.contains(address.get())
                || github != null && github.current().contains(address.get()));
    }
}
