import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * The page's h1 and document title. After a client-side navigation focus moves to the heading, so a screen
 * reader announces the new page and keyboard users start from the top of the content.
 */
export function PageTitle({ children, title }: { children: ReactNode; title?: string }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLHeadingElement>(null);
  const text = title ?? (typeof children === 'string' ? children : '');
  useEffect(() => {
    document.title = text ? `${text} · ${t('common.appName')}` : t('common.appName');
  }, [text, t]);
  useEffect(() => {
    if (window.history.state?.idx > 0) ref.current?.focus({ preventScroll: false });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
