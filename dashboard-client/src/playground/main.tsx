import { createRoot } from 'react-dom/client';

function Playground() {
  return <h1>ECP — GraphQL playground</h1>;
}

createRoot(document.getElementById('root')!).render(<Playground />);
