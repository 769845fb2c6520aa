// The district's streets and towns (街镇) for the region filter of the bureau's lists, loaded
// once per page load (GET /api/v1/regions?level=street). Empty for other roles: a street sees
// only its own region anyway.
import { ref } from 'vue';
import { api } from '../../api.js';
import { role } from '../../session.js';

const streets = ref([]);
let loaded = false;

export function useStreets() {
  if (!loaded && ['admin', 'bureau'].includes(role())) {
    loaded = true;
    api('/regions', { query: { level: 'street', limit: 100 } })
      .then((r) => (streets.value = (r.items || []).map((x) => ({ value: x.code, label: x.name }))))
      .catch(() => (loaded = false));
  }
  return streets;
}

export function staffRole() {
  return ['admin', 'bureau'].includes(role());
}
