/** Adding or editing an entry; the API's issues are shown by the field they name. */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Link, Redirect, useLocation } from 'wouter';
import { api, ApiError, type Issue } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Loading, Page, useLoad } from '../ui/index.tsx';
import { common } from '../app/messages.ts';
import { mayAdd, mayChange } from './access.ts';
import { m, serviceNames } from './messages.ts';
import { SERVICES, type Warehouse } from './types.ts';

interface Draft {
  name: string;
  country: string;
  city: string;
  address: string;
  latitude: string;
  longitude: string;
  areaM2: string;
  services: string[];
  platforms: string;
  eligible9810: boolean;
  contactName: string;
  contactPhone: string;
  contactEmail: string;
}

const EMPTY: Draft = { name: '', country: '', city: '', address: '', latitude: '', longitude: '', areaM2: '', services: [], platforms: '', eligible9810: true, contactName: '', contactPhone: '', contactEmail: '' };

const draftOf = (w: Warehouse): Draft => ({
  name: w.name, country: w.country, city: w.city, address: w.address, latitude: String(w.latitude), longitude: String(w.longitude), areaM2: String(w.areaM2),
  services: w.services, platforms: w.platforms.join(', '), eligible9810: w.eligible9810, contactName: w.contact.name, contactPhone: w.contact.phone, contactEmail: w.contact.email,
});

const num = (s: string) => (s.trim() === '' ? null : Number(s));

const bodyOf = (d: Draft) => ({
  name: d.name, country: d.country.trim(), city: d.city, address: d.address, latitude: num(d.latitude), longitude: num(d.longitude), areaM2: num(d.areaM2),
  services: d.services, platforms: d.platforms.split(/[,，|]/).map((x) => x.trim()).filter(Boolean), eligible9810: d.eligible9810,
  contact: { name: d.contactName, phone: d.contactPhone, email: d.contactEmail },
});

/** The form field an issue names: the API's `contact.email`, or a schema error's `/contact/email`. */
const FIELD_OF: Record<string, keyof Draft> = { 'contact.name': 'contactName', 'contact.phone': 'contactPhone', 'contact.email': 'contactEmail' };
function fieldOf(i: Issue): keyof Draft | null {
  const p = i.path.replace(/^\//, '').replace(/\//g, '.');
  if (FIELD_OF[p]) return FIELD_OF[p];
  const top = p.split('.')[0];
  return top in EMPTY ? (top as keyof Draft) : null;
}

export default function WarehouseForm({ id }: { id?: number }) {
  const t = useT(m);
  const c = useT(common);
  const sn = useT(serviceNames);
  const { session } = useSession();
  const [location, navigate] = useLocation();
  const existing = useLoad((signal) => (id ? api<Warehouse>('GET', `/api/v1/warehouses/${id}`, { signal }) : Promise.resolve(null)), [id]);
  const [draft, setDraft] = useState<Draft | null>(id ? null : EMPTY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (existing.data) setDraft(draftOf(existing.data));
  }, [existing.data]);

  if (session === undefined) return <Loading />;
  if (session === null) return <Redirect to={`~/login?next=${encodeURIComponent(`/warehouses${location}`)}`} replace />;
  const title = id ? t('editTitle') : t('addTitle');
  const allowed = id ? existing.data && mayChange(session, existing.data) : mayAdd(session);
  if (id && !existing.data) {
    return (
      <Page title={title}>
        {existing.error ? <ErrorNote error={existing.error} onRetry={existing.reload} /> : <Loading />}
      </Page>
    );
  }
  if (!allowed || !draft) {
    return (
      <Page title={title}>
        <p role="alert">{c('forbidden')}</p>
        <Link href="/">{t('back')}</Link>
      </Page>
    );
  }

  const issues = error instanceof ApiError ? error.issues : [];
  const byField = new Map<keyof Draft, Issue[]>();
  for (const i of issues) {
    const f = fieldOf(i);
    if (f) byField.set(f, [...(byField.get(f) ?? []), i]);
  }
  const unplaced = issues.length === 0 || issues.some((i) => !fieldOf(i));
  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setDraft((d) => d && { ...d, [k]: e.target.value });
  const aria = (k: keyof Draft) => ({ id: `wh-${k}`, name: k, 'aria-invalid': byField.has(k) || undefined, 'aria-describedby': byField.has(k) ? `wh-${k}-issue` : undefined });
  const note = (k: keyof Draft): ReactNode =>
    byField.has(k) ? (
      <span className="field-issue" id={`wh-${k}-issue`}>
        {byField.get(k)!.map((i) => t('fieldIssue', { expected: i.expected, actual: i.actual })).join('；')}
      </span>
    ) : null;
  const text = (k: keyof Draft, label: string, props: Record<string, unknown> = {}, wide = false) => (
    <label className={wide ? 'wide' : undefined}>
      {label}
      <input value={draft[k] as string} onChange={set(k)} required {...aria(k)} {...props} />
      {note(k)}
    </label>
  );

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    setBusy(true);
    setError(null);
    try {
      const saved = await api<Warehouse>(id ? 'PUT' : 'POST', id ? `/api/v1/warehouses/${id}` : '/api/v1/warehouses', { body: bodyOf(draft) });
      navigate(`/${saved.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <Page title={title}>
      <Link href={id ? `/${id}` : '/'}>{t('back')}</Link>
      <form className="card wh-form" onSubmit={(e) => void submit(e)} aria-busy={busy} data-testid="warehouse-form">
        {error && unplaced ? (
          <div className="wide">
            <ErrorNote error={error} />
          </div>
        ) : null}
        {error && !unplaced ? (
          <p className="wide error-note" role="alert">
            {t('invalid')}
          </p>
        ) : null}
        {text('name', t('name'), { maxLength: 100 }, true)}
        {text('country', t('countryCode'), { inputMode: 'numeric', pattern: '\\d{3}', maxLength: 3 })}
        {text('city', t('city'), { maxLength: 60 })}
        {text('address', t('address'), { maxLength: 200 }, true)}
        {text('latitude', t('latitude'), { type: 'number', step: 'any', min: -90, max: 90 })}
        {text('longitude', t('longitude'), { type: 'number', step: 'any', min: -180, max: 180 })}
        {text('areaM2', t('areaM2'), { type: 'number', step: 1, min: 1 })}
        <fieldset className="wide" aria-describedby={byField.has('services') ? 'wh-services-issue' : undefined}>
          <legend>{t('services')}</legend>
          {SERVICES.map((x) => (
            <label key={x}>
              <input
                type="checkbox"
                checked={draft.services.includes(x)}
                onChange={(e) => setDraft((d) => d && { ...d, services: e.target.checked ? [...d.services, x] : d.services.filter((y) => y !== x) })}
              />
              {sn(x)}
            </label>
          ))}
          {note('services')}
        </fieldset>
        <label className="wide">
          {t('platforms')}
          <input value={draft.platforms} onChange={set('platforms')} {...aria('platforms')} />
          {note('platforms')}
        </label>
        <label className="wide wh-check">
          <input type="checkbox" checked={draft.eligible9810} onChange={(e) => setDraft((d) => d && { ...d, eligible9810: e.target.checked })} />
          {t('eligible')}
        </label>
        {text('contactName', t('contactName'), { maxLength: 60, autoComplete: 'name' })}
        {text('contactPhone', t('contactPhone'), { type: 'tel', maxLength: 40, autoComplete: 'tel' })}
        {text('contactEmail', t('contactEmail'), { type: 'email', maxLength: 120, autoComplete: 'email' })}
        <div className="wide toolbar">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('saving') : t('save')}
          </button>
          <Link href={id ? `/${id}` : '/'} className="wh-button">
            {t('cancel')}
          </Link>
        </div>
      </form>
    </Page>
  );
}
