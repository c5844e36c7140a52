package io.github.cameld1backup.source;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** D1's failures are told apart by status, code and D1's documented words, never by words of the SQL or names. */
class D1ErrorClassTest {

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
        // rate limits
        "429 | 971   | Please wait and consider throttling your request speed | RATE_LIMITED",
        "429 | 0     | Too many requests | RATE_LIMITED",
        // D1's documented passing errors, whatever the status
        "500 | 7500  | D1 DB is overloaded. Requests queued for too long. | TRANSIENT",
        "400 | 7500  | D1 DB is overloaded. Too many requests queued. [code: 7500] | TRANSIENT",
        "400 | 7500  | D1_ERROR: Network connection lost. | TRANSIENT",
        "400 | 7500  | Internal error in D1 DB storage caused object to be reset. | TRANSIENT",
        "400 | 7500  | Cannot resolve D1 DB due to transient issue on remote node. | TRANSIENT",
        "400 | 7500  | Can't read from request stream because client disconnected. | TRANSIENT",
        "503 | 0     | Service Unavailable | TRANSIENT",
        "502 | 7500  | Bad gateway | TRANSIENT",
        "200 | 0     | unreadable answer (Unexpected end-of-input) | TRANSIENT",
        // make it smaller
        "400 | 7500  | D1 DB exceeded its CPU time limit and was reset. | TOO_LARGE",
        "400 | 7500  | D1 DB exceeded its memory limit and was reset. | TOO_LARGE",
        "400 | 7500  | D1 DB storage operation exceeded timeout which caused object to be reset. | TOO_LARGE",
        "400 | 7500  | statement too long: SQLITE_TOOBIG [code: 7500] | TOO_LARGE",
        "400 | 7500  | string or blob too big: SQLITE_TOOBIG | TOO_LARGE",
        "413 | 0     | Request entity too large | TOO_LARGE",
        // never passes
        "500 | 7500  | not authorized | FATAL",
        "500 | 7403  | The given account is not valid or is not authorized to access this service | FATAL",
        "404 | 7404  | The database 123 could not be found | FATAL",
        "400 | 7400  | The request is malformed | FATAL",
        "401 | 10000 | Authentication error | FATAL",
        "400 | 7500  | SQL code did not contain a statement. [code: 7500] | FATAL",
        // SQL errors naming tables and columns that look like D1's words
        "400 | 7500  | no such table: password_resets: SQLITE_ERROR [code: 7500] | FATAL",
        "400 | 7500  | no such table: reset_tokens: SQLITE_ERROR [code: 7500] | FATAL",
        "400 | 7500  | no such table: overloaded_jobs: SQLITE_ERROR [code: 7500] | FATAL",
        "400 | 7500  | table timeout_settings has no column named cpu_limit: SQLITE_ERROR | FATAL",
        "400 | 7500  | UNIQUE constraint failed: network_connection_lost.id: SQLITE_CONSTRAINT | FATAL",
        "400 | 7500  | no such table: \"D1 DB is overloaded\": SQLITE_ERROR | FATAL",
        "400 | 7500  | near \"'Network connection lost'\": syntax error: SQLITE_ERROR | FATAL",
        "400 | 7500  | no such column: too_big: SQLITE_ERROR | FATAL",
        "400 | 7500  | try again later_jobs: internal error_log | FATAL",
    })
    void classifies(int status, int code, String message, D1ErrorClass expected) {
        assertThat(D1Exception.classify(status, code, message)).isEqualTo(expected);
        assertThat(new D1Exception(status, code, message).retryable()).isEqualTo(expected.retryable());
    }

    @org.junit.jupiter.api.Test
    void networkFailuresPassAndOtherExceptionsDoNot() {
        assertThat(D1Exception.classOf(new RuntimeException(new java.net.SocketException("Connection reset"))))
                .isEqualTo(D1ErrorClass.TRANSIENT);
        assertThat(D1Exception.classOf(new IllegalStateException("boom"))).isEqualTo(D1ErrorClass.FATAL);
        assertThat(D1Exception.classOf(new RuntimeException(new D1Exception(400, 7500,
                "no such table: password_resets: SQLITE_ERROR")))).isEqualTo(D1ErrorClass.FATAL);
    }
}
