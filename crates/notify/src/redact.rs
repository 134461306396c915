//! Provider error texts made fit to store and show to staff: a provider may
//! quote the recipient (Twilio: "The 'To' number +8190… is not valid",
//! SMTP: "550 <hanako@example.jp>: Recipient address rejected"). Codes and
//! statuses stay (`HTTP 400 (Twilio 21211)`, `550 5.1.1`), the phone
//! numbers and email addresses go.

/// What replaces a phone number.
const PHONE: &str = "[電話番号]";
/// What replaces an email address.
const EMAIL: &str = "[メールアドレス]";
/// Digits in a run from which it is taken for a phone number (Twilio error
/// codes have five, SMTP enhanced codes one per part).
const PHONE_DIGITS: usize = 7;

/// `text` without phone numbers or email addresses.
pub fn redact(text: &str) -> String {
    let words: Vec<String> = text
        .split(' ')
        .map(|word| {
            if looks_like_email(word) {
                EMAIL.to_owned()
            } else {
                redact_digit_runs(word)
            }
        })
        .collect();
    words.join(" ")
}

fn looks_like_email(word: &str) -> bool {
    let core = word.trim_matches(|c: char| !c.is_alphanumeric());
    match core.split_once('@') {
        Some((local, domain)) => !local.is_empty() && !domain.is_empty(),
        None => false,
    }
}

/// Replaces each run of digits and number punctuation (`+`, `-`, `(`, `)`,
/// full-width digits) holding at least [`PHONE_DIGITS`] digits.
fn redact_digit_runs(word: &str) -> String {
    let is_part =
        |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c) || "+-()－ー".contains(c);
    let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let mut out = String::with_capacity(word.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().filter(|c| is_digit(*c)).count() >= PHONE_DIGITS {
            out.push_str(PHONE);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in word.chars() {
        if is_part(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn numbers_and_addresses_go_codes_stay() {
        assert_eq!(
            redact(
                "HTTP 400 (Twilio 21211) The 'To' number +819012345678 is not a valid phone number."
            ),
            "HTTP 400 (Twilio 21211) The 'To' number [電話番号] is not a valid phone number."
        );
        assert_eq!(
            redact(
                "SMTP: permanent error (550): 5.1.1 <hanako.ichinomiya@example.jp>: Recipient address rejected"
            ),
            "SMTP: permanent error (550): 5.1.1 [メールアドレス] Recipient address rejected"
        );
        assert_eq!(
            redact("宛先 090-1234-5678 に送れません"),
            "宛先 [電話番号] に送れません"
        );
        assert_eq!(
            redact("3回試しても送れませんでした: timeout"),
            "3回試しても送れませんでした: timeout"
        );
    }
}
