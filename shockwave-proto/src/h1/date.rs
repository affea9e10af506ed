//! The cached `Date` field value (RFC 9110 section 6.6.1), formatted as an
//! IMF-fixdate (RFC 9110 section 5.6.7) at most once per second.
//!
//! The crate reads no clock: the driver passes the wall-clock time it read
//! (seconds since the Unix epoch) to [`DateCache::update`], and the machine
//! copies the 29 cached bytes into each response head.

use alloc::vec::Vec;

/// Length of an IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
const LEN: usize = 29;

/// The last second an IMF-fixdate can show (its year has four digits):
/// 9999-12-31 23:59:59 UTC. Later times are shown as this one.
const MAX_SECS: u64 = 253_402_300_799;

const DAY_NAMES: [&[u8; 3]; 7] = [b"Sun", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat"];
const MONTH_NAMES: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// The formatted date of the last second seen. Holds its bytes inline, so it
/// never allocates.
#[derive(Clone, Debug)]
pub struct DateCache {
    /// The second `line` shows; `None` before the first update.
    secs: Option<u64>,
    /// The whole field line, `date: <IMF-fixdate>\r\n`, so a response head
    /// copies it in one fixed-size move.
    line: [u8; LINE_LEN],
}

/// `date: ` before the value.
const PREFIX: &[u8; 6] = b"date: ";
/// The field line: the prefix, the value and CRLF.
pub(crate) const LINE_LEN: usize = PREFIX.len() + LEN + 2;

impl Default for DateCache {
    fn default() -> Self {
        Self::new()
    }
}

impl DateCache {
    /// An empty cache: [`DateCache::get`] is `None` until the first update.
    pub const fn new() -> Self {
        let mut line = [0; LINE_LEN];
        let mut i = 0;
        while i < PREFIX.len() {
            line[i] = PREFIX[i];
            i += 1;
        }
        line[LINE_LEN - 2] = b'\r';
        line[LINE_LEN - 1] = b'\n';
        DateCache { secs: None, line }
    }

    /// Formats the date of `unix_secs` (seconds since 1970-01-01 00:00:00 UTC)
    /// if the second changed, and returns whether it did. Times after year 9999
    /// are shown as its last second.
    pub fn update(&mut self, unix_secs: u64) -> bool {
        let secs = unix_secs.min(MAX_SECS);
        if self.secs == Some(secs) {
            return false;
        }
        self.secs = Some(secs);
        let mut value = [0; LEN];
        format_imf_fixdate(secs, &mut value);
        self.line[PREFIX.len()..PREFIX.len() + LEN].copy_from_slice(&value);
        true
    }

    /// The date as an IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT` (29 bytes),
    /// or `None` before the first update.
    pub fn get(&self) -> Option<&[u8]> {
        self.secs
            .map(|_| &self.line[PREFIX.len()..PREFIX.len() + LEN])
    }

    /// The field line `date: <IMF-fixdate>\r\n`, or `None` before the first update.
    #[inline]
    pub(crate) fn line(&self) -> Option<&[u8; LINE_LEN]> {
        self.secs.map(|_| &self.line)
    }
}

/// Appends `date: <IMF-fixdate>\r\n` if the cache holds a date.
#[inline]
pub fn write_date_field(out: &mut Vec<u8>, date: &DateCache) {
    if let Some(line) = date.line() {
        out.extend_from_slice(line);
    }
}

fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

/// Writes `secs` (at most [`MAX_SECS`]) as `Www, DD Mmm YYYY hh:mm:ss GMT`.
fn format_imf_fixdate(secs: u64, out: &mut [u8; LEN]) {
    let mut days = secs / 86_400;
    let second_of_day = secs % 86_400;
    // 1970-01-01 was a Thursday.
    let weekday = ((days + 4) % 7) as usize;

    // The Gregorian calendar repeats every 400 years (146 097 days), so skip
    // whole cycles and walk at most 400 years and 12 months.
    let mut year = 1970 + 400 * (days / 146_097);
    days %= 146_097;
    loop {
        let len = if is_leap(year) { 366 } else { 365 };
        if days < len {
            break;
        }
        days -= len;
        year += 1;
    }
    let feb = if is_leap(year) { 29 } else { 28 };
    let month_lengths = [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 0;
    while days >= month_lengths[month] {
        days -= month_lengths[month];
        month += 1;
    }
    let day = days + 1;

    let two = |n: u64| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
    out[0..3].copy_from_slice(DAY_NAMES[weekday]);
    out[3..5].copy_from_slice(b", ");
    out[5..7].copy_from_slice(&two(day));
    out[7] = b' ';
    out[8..11].copy_from_slice(MONTH_NAMES[month]);
    out[11] = b' ';
    out[12..14].copy_from_slice(&two(year / 100));
    out[14..16].copy_from_slice(&two(year % 100));
    out[16] = b' ';
    out[17..19].copy_from_slice(&two(second_of_day / 3600));
    out[19] = b':';
    out[20..22].copy_from_slice(&two(second_of_day / 60 % 60));
    out[22] = b':';
    out[23..25].copy_from_slice(&two(second_of_day % 60));
    out[25..29].copy_from_slice(b" GMT");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(secs: u64) -> [u8; LEN] {
        let mut c = DateCache::new();
        assert!(c.update(secs));
        c.get().unwrap().try_into().unwrap()
    }

    #[track_caller]
    fn check(secs: u64, want: &str) {
        assert_eq!(core::str::from_utf8(&fmt(secs)).unwrap(), want, "{secs}");
    }

    #[test]
    fn known_timestamps() {
        check(0, "Thu, 01 Jan 1970 00:00:00 GMT");
        check(784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"); // RFC 9110 section 5.6.7
        check(86_399, "Thu, 01 Jan 1970 23:59:59 GMT");
        check(951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"); // 400-year leap
        check(951_868_800, "Wed, 01 Mar 2000 00:00:00 GMT");
        check(1_078_012_800, "Sun, 29 Feb 2004 00:00:00 GMT");
        check(1_709_164_800, "Thu, 29 Feb 2024 00:00:00 GMT");
        check(1_704_067_199, "Sun, 31 Dec 2023 23:59:59 GMT");
        check(1_735_603_200, "Tue, 31 Dec 2024 00:00:00 GMT"); // day 366 of a leap year
        check(2_147_483_647, "Tue, 19 Jan 2038 03:14:07 GMT");
        check(4_107_456_000, "Sun, 28 Feb 2100 00:00:00 GMT"); // 2100 is not leap
        check(4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT");
        check(32_503_680_000, "Wed, 01 Jan 3000 00:00:00 GMT");
        check(MAX_SECS, "Fri, 31 Dec 9999 23:59:59 GMT");
        check(MAX_SECS + 1, "Fri, 31 Dec 9999 23:59:59 GMT");
        check(u64::MAX, "Fri, 31 Dec 9999 23:59:59 GMT");
    }

    #[test]
    fn day_by_day_is_consistent() {
        // Every day from 1970 to 2500: weekday advances by one, date by one day.
        let mut c = DateCache::new();
        let mut prev = fmt(0);
        let mut days = 1u64;
        while days < 194_000 {
            assert!(c.update(days * 86_400 + 12));
            let cur = c.get().unwrap();
            let wd = |b: &[u8]| DAY_NAMES.iter().position(|d| d[..] == b[0..3]).unwrap();
            assert_eq!(wd(cur), (wd(&prev) + 1) % 7);
            let day: u32 = core::str::from_utf8(&cur[5..7]).unwrap().parse().unwrap();
            let prev_day: u32 = core::str::from_utf8(&prev[5..7]).unwrap().parse().unwrap();
            assert!(
                day == prev_day + 1 || (day == 1 && prev_day >= 28),
                "{days}"
            );
            prev = cur.try_into().unwrap();
            days += 1;
        }
    }

    #[test]
    fn update_only_when_the_second_changes() {
        let mut c = DateCache::new();
        assert_eq!(c.get(), None);
        let mut out = Vec::new();
        write_date_field(&mut out, &c);
        assert!(out.is_empty());
        assert!(c.update(784_111_777));
        assert!(!c.update(784_111_777));
        assert!(c.update(784_111_778));
        assert!(c.update(0));
        write_date_field(&mut out, &c);
        assert_eq!(out, b"date: Thu, 01 Jan 1970 00:00:00 GMT\r\n");
        let cap = out.capacity();
        out.clear();
        write_date_field(&mut out, &c);
        assert_eq!(out.capacity(), cap, "no growth beyond what out needs");
    }
}
