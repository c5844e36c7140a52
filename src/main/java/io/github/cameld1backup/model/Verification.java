package io.github.cameld1backup.model;

import java.util.List;

/** The verdict on a backup: each check the verifier made and its outcome. */
public record Verification(String backup, boolean ok, List<Check> checks) {

    /** One check and its outcome. */
    public record Check(String name, boolean ok, String detail) {
    }

    public String summary() {
        StringBuilder out = new StringBuilder((ok ? "VERIFIED " : "FAILED ") + backup + "\n");
        for (Check c : checks) {
            out.append(c.ok() ? "  ok    " : "  FAIL  ").append(c.name()).append(": ").append(c.detail()).append('\n');
        }
        return out.toString().stripTrailing();
    }
}
