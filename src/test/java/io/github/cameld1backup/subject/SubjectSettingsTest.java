package io.github.cameld1backup.subject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How predicates, references and policies are written, and what is refused. */
class SubjectSettingsTest {

    @Test
    void aPredicateIsTableDotColumnEqualsValueAndTheValueIsEverythingAfterTheFirstEquals() {
        SubjectPredicate p = SubjectPredicate.parse("users.email=a=b@example.org ");
        assertThat(p).isEqualTo(new SubjectPredicate("users", "email", "a=b@example.org "));
        assertThat(p.label()).isEqualTo("users.email");
    }

    @Test
    void quotedNamesMayHoldDotsEqualsSignsQuotesAndAnyLetter() {
        SubjectPredicate p = SubjectPredicate.parse("\"a.b=\"\"c\"\"\".\"E-Mail ü.x\"=\"quoted\" value");
        assertThat(p.table()).isEqualTo("a.b=\"c\"");
        assertThat(p.column()).isEqualTo("E-Mail ü.x");
        assertThat(p.value()).isEqualTo("\"quoted\" value");
    }

    @Test
    void thePrintedPredicateNeverHoldsTheValue() {
        SubjectPredicate p = SubjectPredicate.parse("users.email=alice@example.org");
        assertThat(p.toString()).isEqualTo("users.email=<value>").doesNotContain("alice");
        assertThat(new SubjectMatch.ByValue(p).toString()).doesNotContain("alice");
    }

    @Test
    void malformedPredicatesAreRefusedWithoutEchoingTheValue() {
        assertThatThrownBy(() -> SubjectPredicate.parse("users.email=")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("value after '=' is empty");
        assertThatThrownBy(() -> SubjectPredicate.parse("users.email secret@example.org"))
                .hasMessageContaining("no '='").hasMessageNotContaining("secret");
        assertThatThrownBy(() -> SubjectPredicate.parse("email=secret@example.org"))
                .hasMessageContaining("TABLE.COLUMN").hasMessageNotContaining("secret");
        assertThatThrownBy(() -> SubjectPredicate.parse("\"users.email=secret@example.org"))
                .hasMessageContaining("no '='").hasMessageNotContaining("secret");
        assertThatThrownBy(() -> SubjectPredicate.parse("users.=x")).hasMessageContaining("empty");
        assertThatThrownBy(() -> SubjectPredicate.parse("a.b.c=x")).hasMessageContaining("double-quote");
        assertThatThrownBy(() -> SubjectPredicate.parse("\"us\"ers.c=x")).hasMessageContaining("well-formed");
        assertThatThrownBy(() -> SubjectPredicate.parse("  ")).hasMessageContaining("nothing given");
    }

    @Test
    void referencesAreCommaSeparatedChildToParentWithQuotedNamesAllowed() {
        assertThat(SubjectReference.parseList(" audit.user_id -> users.id , \"a,b\".\"x->y\"->\"Ü\".id,"))
                .containsExactly(new SubjectReference("audit", "user_id", "users", "id"),
                        new SubjectReference("a,b", "x->y", "Ü", "id"));
        assertThat(SubjectReference.parseList("")).isEmpty();
        assertThat(SubjectReference.parseList(null)).isEmpty();
        assertThatThrownBy(() -> SubjectReference.parseList("audit.user_id=users.id"))
                .hasMessageContaining("subject.references").hasMessageContaining("CHILD_TABLE.COLUMN->PARENT_TABLE.COLUMN");
    }

    @Test
    void policiesAreDeleteSetNullOrRedactOfNamedColumns() {
        assertThat(SubjectPolicy.parse("delete").kind()).isEqualTo(SubjectPolicy.Kind.DELETE);
        assertThat(SubjectPolicy.parse(" SET-NULL ").kind()).isEqualTo(SubjectPolicy.Kind.SET_NULL);
        SubjectPolicy redact = SubjectPolicy.parse("redact:email; \"full name\"");
        assertThat(redact.kind()).isEqualTo(SubjectPolicy.Kind.REDACT);
        assertThat(redact.columns()).containsExactly("email", "full name");
        assertThat(redact.toString()).isEqualTo("redact:email;full name");
        assertThatThrownBy(() -> SubjectPolicy.parse("redact:")).hasMessageContaining("names no column");
        assertThatThrownBy(() -> SubjectPolicy.parse("cascade")).hasMessageContaining("none of delete, set-null");
    }

    @Test
    void settingsMatchPolicyTableNamesAsSqliteDoesAndRefuseTwoForOneTable() {
        SubjectSettings settings = new SubjectSettings(List.of(), Map.of("Users", SubjectPolicy.parse("delete")), 5);
        assertThat(settings.policyFor("USERS")).isPresent();
        assertThat(settings.policyFor("Üsers")).isEmpty();
        assertThatThrownBy(() -> new SubjectSettings(List.of(),
                Map.of("users", SubjectPolicy.parse("delete"), "USERS", SubjectPolicy.parse("set-null")), 5))
                .hasMessageContaining("name the same table");
        assertThatThrownBy(() -> new SubjectSettings(List.of(), Map.of(), 0)).hasMessageContaining("at least 1");
        assertThat(SubjectSettings.defaults().maxRows()).isEqualTo(1000);
    }

    @Test
    void theKeyedHashIsHmacSha256InLowerCaseHexAndDependsOnTheKey() {
        // RFC 4231, test case 1: key 20 bytes of 0x0b, data "Hi There".
        byte[] rfcKey = new byte[20];
        java.util.Arrays.fill(rfcKey, (byte) 0x0b);
        assertThat(SubjectKey.of(rfcKey).hash("Hi There"))
                .isEqualTo("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        byte[] key = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        String hash = SubjectKey.of(key).hash("alice@example.org");
        assertThat(hash).matches("[0-9a-f]{64}").isEqualTo(SubjectKey.of(key.clone()).hash("alice@example.org"));
        assertThat(SubjectKey.of("another key of 16+ bytes".getBytes(StandardCharsets.US_ASCII))
                .hash("alice@example.org")).isNotEqualTo(hash);
        assertThat(SubjectKey.of(key).hash("alice@example.org ")).isNotEqualTo(hash);
        assertThat(SubjectKey.of(key).toString()).doesNotContain("0123");
        assertThatThrownBy(() -> SubjectKey.of(new byte[8])).hasMessageContaining("16 bytes");
    }
}
