// Formatting for display: every time in Beijing time (UTC+8, no daylight saving), whatever the
// browser's own zone; 是/否 for booleans; numbers with their unit.
const BJ = 8 * 3600 * 1000;

function toDate(t) {
  if (t === null || t === undefined || t === '') return null;
  if (typeof t === 'number') return new Date(t < 1e11 ? t * 1000 : t); // epoch s or ms
  // the API's times are Beijing wall-clock text without a zone ("2026-12-03 17:05:00"): read
  // them as +08:00, not as the browser's own zone
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?$/.exec(String(t));
  if (m) {
    const hms = m[2] || '00:00';
    return new Date(`${m[1]}T${hms}${hms.length === 5 ? ':00' : ''}+08:00`);
  }
  const d = new Date(t);
  return isNaN(d) ? null : d;
}

// "2026-12-03 17:05" (or with seconds) in Beijing time; '' for no value.
export function bjTime(t, { seconds = false, date = true } = {}) {
  const d = toDate(t);
  if (!d) return '';
  const s = new Date(d.getTime() + BJ).toISOString().replace('T', ' ');
  const full = s.slice(0, seconds ? 19 : 16);
  return date ? full : full.slice(11);
}

export function bjDate(t) {
  return bjTime(t).slice(0, 10);
}

// Today's date in Beijing ("2026-12-03").
export function bjToday() {
  return bjDate(Date.now());
}

export function yesNo(v) {
  return v === null || v === undefined ? '' : v ? '是' : '否';
}

export function num(v, digits = 1) {
  return v === null || v === undefined || Number.isNaN(v) ? '—' : Number(v).toFixed(digits);
}
