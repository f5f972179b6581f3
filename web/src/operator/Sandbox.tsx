/** The sandbox customs' scenario rules: shown as a table, exported and imported as the rules file's JSON. */
import { useState } from 'react';
import { api, download } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { DataTable, ErrorNote, Loaded, useLoad } from '../ui/index.tsx';
import { FileImport } from '../ui/FileImport.tsx';
import { m, scenarios } from './messages.ts';
import { known } from './types.ts';

interface Rule {
  match: { field: string; prefix: string; messageType?: string };
  scenario: string;
}

export default function Sandbox() {
  const t = useT(m);
  const sc = useT(scenarios);
  const rules = useLoad((signal) => api<Rule[]>('GET', '/api/v1/sandbox/scenarios', { signal }), []);
  const [exportError, setExportError] = useState<unknown>(null);

  return (
    <>
      <section className="card">
        <p className="muted">{t('sandboxHint')}</p>
        <div className="toolbar">
          <button type="button" onClick={() => void download('/api/v1/sandbox/scenarios', 'sandbox-scenarios.json').catch(setExportError)} disabled={!rules.data} data-testid="scenarios-export">
            {t('exportJson')}
          </button>
        </div>
        <ErrorNote error={exportError} />
        <Loaded state={rules}>
          {(list) => (
            <DataTable
              testId="scenarios-table"
              head={[t('ruleNo'), t('field'), t('prefix'), t('messageType'), t('scenario')]}
              rows={list}
              empty={<p data-testid="scenarios-empty">{t('noRules')}</p>}
              row={(r, i) => (
                <tr key={i}>
                  <td>{i + 1}</td>
                  <td>
                    <code>{r.match.field}</code>
                  </td>
                  <td>
                    <code>{r.match.prefix}</code>
                  </td>
                  <td>{r.match.messageType ? <code>{r.match.messageType}</code> : t('anyType')}</td>
                  <td>
                    {known(sc, scenarios['zh-CN'], r.scenario)} <code className="muted small">{r.scenario}</code>
                  </td>
                </tr>
              )}
            />
          )}
        </Loaded>
      </section>

      <FileImport
        heading={t('importJson')}
        hint={<p className="muted small">{t('importJsonHint')}</p>}
        label={t('jsonFile')}
        accept=".json,application/json"
        testId="scenarios-file"
        send={async (file) => {
          const now = await api<Rule[]>('PUT', '/api/v1/sandbox/scenarios', { raw: { data: file, type: 'application/json' } });
          rules.reload();
          return now.length;
        }}
      >
        {(n) => (
          <p role="status" data-testid="scenarios-replaced">
            {t('replaced', { n })}
          </p>
        )}
      </FileImport>
    </>
  );
}
