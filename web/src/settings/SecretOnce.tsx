/** A secret shown once (an API key, a webhook's signing secret): read-only, selectable, with a copy button. */
import { useState } from 'react';
import { useT } from '../i18n/index.tsx';
import { st } from './messages.ts';

export function SecretOnce({ title, secret, note, onDone, testId }: { title: string; secret: string; note?: string; onDone(): void; testId: string }) {
  const t = useT(st);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = () => {
    navigator.clipboard.writeText(secret).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };
  return (
    <section className="card st-secret" role="region" aria-label={title} data-testid={testId}>
      <h3>{title}</h3>
      <p className="small">{t('secretHint')}</p>
      {note ? <p className="small">{note}</p> : null}
      <div className="st-secret-row">
        <label className="st-grow">
          {t('secretLabel')}
          <input type="text" readOnly value={secret} onFocus={(e) => e.target.select()} data-testid={`${testId}-value`} spellCheck={false} />
        </label>
        <button type="button" onClick={copy}>
          {copied === 'yes' ? t('copied') : t('copy')}
        </button>
        <button type="button" className="primary" onClick={onDone}>
          {t('done')}
        </button>
      </div>
      {copied === 'failed' ? (
        <p className="small" role="alert">
          {t('copyFailed')}
        </p>
      ) : null}
    </section>
  );
}
